import * as core from '@actions/core'
import { abandonDeployment } from '../stages/deployment.js'
import { releaseByNonce } from '../stages/lock.js'
import { appendHistory } from '../stages/record.js'
import { stopProcessGroup } from '../util/watched-command.js'
import { renderSummary } from '../report/summary.js'
import { systemClock } from '../util/clock.js'
import { notifyRun } from '../notify/send.js'
import { describeError } from '../util/errors.js'
import { fallbackRecord } from './fallback-record.js'
import { actionsLogger } from './logger.js'
import { forgeForSavedRun, readNotifySettings } from './settings.js'
import { commandGroup, heldLock, openDeployment, savedRun, startedAt, wasPublished, type SavedRun } from './state.js'

/** What a leftover redeploy-command gets between TERM and KILL. */
const COMMAND_KILL_GRACE_MS = 5_000

/**
 * The post step runs on every exit path (`post-if: always()`) and finishes what the main step could
 * not, from what the main step saved (never from inputs that name files: a later step may have removed
 * them). A redeploy-command or bake-check the killed main step left running is stopped with its whole process group.
 * A GitHub deployment the main step left open (killed) is marked `error`. A lock that still names this
 * run (the main step was killed, or the forge refused or did not answer its release) is released, by
 * nonce, with retries. When the main step ended before it could publish (a runner escalates a
 * cancellation to SIGKILL), the run's record is written here, as `aborted`, so no run goes unrecorded.
 */
export async function runPost(): Promise<void> {
  const saved = savedRun()
  await stopLeftoverCommand()
  if (saved) {
    await finishLeftoverDeployment(saved)
    await releaseLeftoverLock(saved)
  }
  const started = startedAt()
  if (started === null || wasPublished()) return
  const deploymentId = openDeployment()
  const deployment = saved && deploymentId !== null ? { id: deploymentId, environment_url: saved.environmentUrl } : null
  const message = 'the main step ended before it could record its result (killed or crashed); see its log'
  const record = fallbackRecord('aborted', message, 'internal', started, saved, deployment)
  actionsLogger.warning(`fleet-forward ${record.environment}: ${record.message}`)
  try {
    await core.summary.addRaw(renderSummary(record)).write()
    const historyFile = saved ? saved.historyFile : core.getInput('history-file')
    if (historyFile) appendHistory(historyFile, record)
  } catch (error) {
    actionsLogger.warning(`could not write the record: ${describeError(error)}`)
  }
  await notifyRun(record, readNotifySettings(), { log: actionsLogger })
}

async function stopLeftoverCommand(): Promise<void> {
  const pgid = commandGroup()
  if (pgid === null) return
  actionsLogger.warning(`stopping the redeploy-command or bake-check the main step left running (process group ${pgid})`)
  await stopProcessGroup(pgid, COMMAND_KILL_GRACE_MS)
}

/** Still inside the lock, like the main step's own finish; never throws (a deployment is a warning at worst). */
async function finishLeftoverDeployment(saved: SavedRun): Promise<void> {
  const id = openDeployment()
  if (id === null) return
  try {
    const { environment, environmentUrl, targetTag, sha, runUrl } = saved
    await abandonDeployment(forgeForSavedRun(saved), { environment, environmentUrl, targetTag, sha, run: { runUrl } }, id, actionsLogger)
  } catch (error) {
    actionsLogger.warning(`post step could not finish deployment ${id}: ${describeError(error)}`)
  }
}

async function releaseLeftoverLock(saved: SavedRun): Promise<void> {
  const lock = heldLock()
  if (!lock) return
  try {
    await releaseByNonce(forgeForSavedRun(saved), lock.environment, lock.nonce, actionsLogger, systemClock)
  } catch (error) {
    actionsLogger.warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`)
  }
}
