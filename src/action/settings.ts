import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { INPUTS } from '../config/inputs.js'
import { parseNotifySettings, parseSettings } from '../config/parse.js'
import type { NotifySettings, Settings } from '../config/settings.js'
import { createForge, forgeFromSettings } from '../forge/detect.js'
import type { Forge } from '../forge/types.js'
import { systemClock } from '../util/clock.js'
import { onSecretRegistered, registerSecret } from '../util/scrub.js'
import type { SavedRun } from './state.js'

const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))

/** Every form of every secret the scrubber learns (inputs, their encodings, a registry token fetched later) is masked on the runner too. */
const maskOnRunner = (form: string): void => core.setSecret(form)

/** Reads an input and masks it at once when it is a secret, before anything could log it. */
function readInput(name: string): string {
  onSecretRegistered(maskOnRunner)
  const value = core.getInput(name)
  if (SECRET_INPUTS.has(name)) registerSecret(value)
  return value
}

/** The step's inputs and runner variables, validated into Settings (throws InputError naming the input). */
export function readActionSettings(): Settings {
  return parseSettings(readInput, process.env, (path) => readFileSync(path, 'utf8'))
}

/** The post step's notification settings, from the inputs (the URL is masked as it is read); null when unset or invalid. */
export function readNotifySettings(): NotifySettings | null {
  try {
    return parseNotifySettings(readInput)
  } catch {
    // The main step already reported an invalid input and wrote its record.
    return null
  }
}

export function forgeFor(settings: Settings): Forge {
  return forgeFromSettings(settings, systemClock)
}

/** The post step's forge: from what the main step saved, and the token input (inputs that name files may be gone by then). */
export function forgeForSavedRun(saved: SavedRun): Forge {
  const { forge, apiUrl, serverUrl, repository, giteaActions } = saved
  return createForge(forge, { apiUrl, serverUrl, repository, giteaActions, token: readInput('token') }, systemClock)
}
