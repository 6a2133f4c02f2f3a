import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { INPUTS } from '../config/inputs.js'
import { parseSettings } from '../config/parse.js'
import { createForge } from '../forge/detect.js'
import { releaseByNonce } from '../stages/lock.js'
import { appendHistory } from '../stages/record.js'
import { systemClock } from '../util/clock.js'
import { renderSummary } from '../report/summary.js'
import { describeError } from '../util/errors.js'
import { fallbackRecord } from './fallback-record.js'
import { actionsLogger } from './logger.js'
import { heldLock, startedAt, wasPublished } from './state.js'

/**
 * The post step runs on every exit path (`post-if: always()`). When the main step was killed before
 * it could publish (a runner escalates a cancellation to SIGKILL), it writes the run's record here,
 * as `aborted`, so no run goes unrecorded. A lock the main step still held (it was cancelled or killed
 * before its own release) is released here, by nonce: only while the lock still names this run.
 */
export async function runPost(): Promise<void> {
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

const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))

async function releaseLeftoverLock(): Promise<void> {
  const lock = heldLock()
  if (!lock) return
  try {
    const settings = parseSettings(
      (name) => {
        const value = core.getInput(name)
        if (value && SECRET_INPUTS.has(name)) core.setSecret(value)
        return value
      },
      process.env,
      (path) => readFileSync(path, 'utf8')
    )
    const forge = createForge(
      settings.forge,
      {
        apiUrl: settings.run.apiUrl,
        serverUrl: settings.run.serverUrl,
        repository: settings.run.repository,
        token: settings.token,
        giteaActions: settings.run.giteaActions
      },
      systemClock
    )
    await releaseByNonce(forge, lock.environment, lock.nonce, actionsLogger)
  } catch (error) {
    core.warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`)
  }
}
