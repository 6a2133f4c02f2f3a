import * as core from '@actions/core'
import type { RunRecord } from '../stages/record.js'
import { appendHistory, staleTenantNames } from '../stages/record.js'
import { failureAnnotations, renderLogTable, renderSummary } from '../report/summary.js'
import { GREEN_RESULTS } from '../types.js'
import type { Logger } from '../types.js'
import { describeError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { reportOutput } from './report-output.js'

/**
 * Publishes the run's one record: history line, outputs, job summary; then fails the step when the
 * result is red. The history line goes first and `published()` is called right after it, so the post
 * step never adds a second line. Each sink is independent: one that fails (a full disk, say) is
 * reported and the others are still written.
 */
export async function publishRecord(record: RunRecord, historyFile: string | null, log: Logger, published: () => void): Promise<void> {
  if (historyFile && !record.dry_run) {
    try {
      appendHistory(historyFile, record)
    } catch (error) {
      log.warning(`could not append to history-file '${historyFile}': ${describeError(error)}`)
    }
  }
  published()
  try {
    writeOutputs(record, historyFile)
  } catch (error) {
    log.warning(`could not write the step outputs: ${describeError(error)}`)
  }
  if (record.tenants.length > 0) {
    await log.group(`Per-tenant report (${record.tenants.length} tenants)`, async () => {
      for (const line of renderLogTable(record)) log.info(line)
    })
  }
  try {
    await core.summary.addRaw(renderSummary(record)).write()
  } catch (error) {
    log.warning(`could not write the job summary: ${describeError(error)}`)
  }
  const line = neutralize(`fleet-forward ${record.environment}: ${record.result} — ${record.message}`, Number.POSITIVE_INFINITY)
  if (GREEN_RESULTS.has(record.result)) core.info(line)
  else {
    // The verdict is the first error annotation, then one per class of failing tenant (GitHub shows 10 a step).
    core.setFailed(line)
    for (const annotation of failureAnnotations(record)) log.error(annotation)
  }
}

function writeOutputs(record: RunRecord, historyFile: string | null): void {
  core.setOutput('result', record.result)
  core.setOutput('superseded', String(record.result === 'superseded'))
  core.setOutput('head-sha', record.head_sha ?? '')
  core.setOutput('expected-sha', record.expected_sha ?? '')
  core.setOutput('stale-tenants', JSON.stringify(staleTenantNames(record)))
  core.setOutput('report', reportOutput(record, historyFile))
}
