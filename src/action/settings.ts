import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { INPUTS } from '../config/inputs.js'
import { parseSettings } from '../config/parse.js'
import type { Settings } from '../config/settings.js'
import { createForge, forgeFromSettings } from '../forge/detect.js'
import type { Forge } from '../forge/types.js'
import { systemClock } from '../util/clock.js'
import type { SavedRun } from './state.js'

const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))

/** Reads an input and masks it at once when it is a secret, before anything could log it. */
function readInput(name: string): string {
  const value = core.getInput(name)
  if (value && SECRET_INPUTS.has(name)) core.setSecret(value)
  return value
}

/** The step's inputs and runner variables, validated into Settings (throws InputError naming the input). */
export function readActionSettings(): Settings {
  return parseSettings(readInput, process.env, (path) => readFileSync(path, 'utf8'))
}

export function forgeFor(settings: Settings): Forge {
  return forgeFromSettings(settings, systemClock)
}

/** The post step's forge: from what the main step saved, and the token input (inputs that name files may be gone by then). */
export function forgeForSavedRun(saved: SavedRun): Forge {
  const { forge, apiUrl, serverUrl, repository, giteaActions } = saved
  return createForge(forge, { apiUrl, serverUrl, repository, giteaActions, token: readInput('token') }, systemClock)
}
