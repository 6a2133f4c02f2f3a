import type { Settings } from '../config/settings.js'
import { deployFleet } from '../core/deploy.js'
import type { RunRecord } from '../stages/record.js'
import { systemClock } from '../util/clock.js'
import { describeError, FleetError, InputErrors } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { notifyRun } from '../notify/send.js'
import { fallbackRecord } from './fallback-record.js'
import { actionsLogger as log } from './logger.js'
import { publishRecord } from './publish.js'
import { forgeFor, readActionSettings } from './settings.js'
import { markPublished, markStarted, saveCommandGroup, saveHeldLock, saveOpenDeployment, saveRun } from './state.js'

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
    settings = readActionSettings()
    saveRun(settings)
    const forge = forgeFor(settings)
    record = await deployFleet(settings, {
      forge,
      clock: systemClock,
      log,
      signal: controller.signal,
      onLock: saveHeldLock,
      onDeployment: saveOpenDeployment,
      onCommand: saveCommandGroup
    })
  } catch (error) {
    // Only input errors reach here (the pipeline itself never throws): nothing was contacted.
    // Several invalid inputs get a line each in the log; the record's message lists them all.
    if (error instanceof InputErrors) for (const each of error.errors) log.error(neutralize(each.message, 1000))
    record = fallbackRecord('failed', neutralize(describeError(error), 1000), error instanceof FleetError ? error.errorClass : 'internal', startedAt)
  }
  await publishRecord(record, settings?.historyFile ?? null, log, markPublished)
  await notifyRun(record, settings?.notify ?? null, { log })
}
