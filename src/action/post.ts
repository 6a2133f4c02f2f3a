import * as core from '@actions/core'
import { appendHistory } from '../stages/record.js'
import { renderSummary } from '../report/summary.js'
import { describeError } from '../util/errors.js'
import { fallbackRecord } from './fallback-record.js'
import { startedAt, wasPublished } from './state.js'

/**
 * The post step runs on every exit path (`post-if: always()`). When the main step was killed before
 * it could publish (a runner escalates a cancellation to SIGKILL), it writes the run's record here,
 * as `aborted`, so no run goes unrecorded.
 */
export async function runPost(): Promise<void> {
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
