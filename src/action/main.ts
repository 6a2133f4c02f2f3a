import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { INPUTS } from '../config/inputs.js'
import { parseSettings } from '../config/parse.js'
import type { Settings } from '../config/settings.js'
import { deployFleet } from '../core/deploy.js'
import { createForge } from '../forge/detect.js'
import type { RunRecord } from '../stages/record.js'
import { systemClock } from '../util/clock.js'
import { describeError, FleetError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { fallbackRecord } from './fallback-record.js'
import { actionsLogger as log } from './logger.js'
import { publishRecord } from './publish.js'
import { markPublished, markStarted, saveHeldLock } from './state.js'

const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))

/** Reads an input and masks it at once when it is a secret, before anything could log it. */
function readInput(name: string): string {
  const value = core.getInput(name)
  if (value && SECRET_INPUTS.has(name)) core.setSecret(value)
  return value
}

/** The action's main step: inputs → pipeline → the one record, published. */
export async function run(): Promise<void> {
  const startedAt = systemClock.now()
  markStarted(startedAt)
  const controller = new AbortController()
  const cancel = (signal: NodeJS.Signals) => controller.abort(new Error(`received ${signal}`))
  process.once('SIGTERM', cancel)
  process.once('SIGINT', cancel)

  let settings: Settings | null = null
  let record: RunRecord
  try {
    settings = parseSettings(readInput, process.env, (path) => readFileSync(path, 'utf8'))
    const forge = createForge(settings.forge, {
      apiUrl: settings.run.apiUrl,
      serverUrl: settings.run.serverUrl,
      repository: settings.run.repository,
      token: settings.token,
      giteaActions: settings.run.giteaActions,
      signal: controller.signal
    }, systemClock)
    record = await deployFleet(settings, { forge, clock: systemClock, log, signal: controller.signal, onLock: saveHeldLock })
  } catch (error) {
    // Only input errors reach here (the pipeline itself never throws): nothing was contacted.
    record = fallbackRecord('failed', neutralize(describeError(error), 1000), error instanceof FleetError ? error.errorClass : 'internal', startedAt)
  }
  await publishRecord(record, settings?.historyFile ?? null, log)
  markPublished()
}
