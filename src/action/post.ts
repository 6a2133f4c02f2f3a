import * as core from '@actions/core'
import { abandonDeployment } from '../stages/deployment.js'
import { releaseByNonce } from '../stages/lock.js'
import { appendHistory } from '../stages/record.js'
import { renderSummary } from '../report/summary.js'
import { describeError } from '../util/errors.js'
import { fallbackRecord } from './fallback-record.js'
import { actionsLogger } from './logger.js'
import { forgeFor, readActionSettings } from './settings.js'
import { heldLock, openDeployment, startedAt, wasPublished } from './state.js'

/**
 * The post step runs on every exit path (`post-if: always()`). When the main step was killed before
 * it could publish (a runner escalates a cancellation to SIGKILL), it writes the run's record here,
 * as `aborted`, so no run goes unrecorded. A lock the main step still held (it was cancelled or killed
 * before its own release) is released here, by nonce: only while the lock still names this run. A GitHub
 * deployment the main step left open (killed) is marked `error`.
 */
export async function runPost(): Promise<void> {
  await finishLeftoverDeployment()
  await releaseLeftoverLock()
  const started = startedAt()
  if (started === null || wasPublished()) return
  const record = fallbackRecord(
    'aborted',
    'the main step ended before it could record its result (killed or crashed); see its log',
    'internal',
    started
  )
  core.warning(`fleet-forward ${record.environment}: ${record.message}`)
  try {
    await core.summary.addRaw(renderSummary(record)).write()
    const historyFile = core.getInput('history-file')
    if (historyFile) appendHistory(historyFile, record)
  } catch (error) {
    core.warning(`could not write the record: ${describeError(error)}`)
  }
}

/** Still inside the lock, like the main step's own finish; never throws (a deployment is a warning at worst). */
async function finishLeftoverDeployment(): Promise<void> {
  const id = openDeployment()
  if (id === null) return
  try {
    const settings = readActionSettings()
    await abandonDeployment(forgeFor(settings), settings, id, actionsLogger)
  } catch (error) {
    core.warning(`post step could not finish deployment ${id}: ${describeError(error)}`)
  }
}

async function releaseLeftoverLock(): Promise<void> {
  const lock = heldLock()
  if (!lock) return
  try {
    await releaseByNonce(forgeFor(readActionSettings()), lock.environment, lock.nonce, actionsLogger)
  } catch (error) {
    core.warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`)
  }
}
