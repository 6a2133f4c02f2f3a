import type { Logger } from '../types.js'
import type { CommitStatus, Forge } from '../forge/types.js'
import { classifyError, describeError } from '../util/errors.js'
import { fitColumn, neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'
import { withAudit } from './audit.js'

/**
 * The durable record of docs/contract.md, Record: a commit status `fleet-forward/<environment>` on the
 * expected commit. It is what the gate of a downstream environment reads, and what makes a rerun of a
 * recorded commit a noop. GitHub caps a status description at 140 characters.
 *
 * A status outlives the run and is shown by the forge to anyone who can read the repository, where
 * no log masking reaches: its description is built only from fleet-forward's own sentences and facts
 * (counts, short SHAs, results, error classes), never from remote text. The details are in the run.
 */
const MAX_DESCRIPTION = 140

export function statusContext(environment: string): string {
  return `fleet-forward/${environment}`
}

export interface VerifiedResult {
  readonly verified: boolean
  /** Our own words from facts, e.g. "3/3 tenants report 7f25373"; never remote text. */
  readonly summary: string
  /** Who overrode a freeze or moved the fleet back and why (src/stages/audit.ts), appended as room allows. */
  readonly audit?: string | null
}

/** The description of a run that failed after it began: its error class, never the error's text (which may quote a server). */
export function failureSummary(errorClass: string | null | undefined): string {
  return `deploy failed (${errorClass ?? 'internal'}); the run log has the details`
}

/** Writes success (verified) or failure on the commit. Never throws: a record that cannot be written is a warning. */
export async function writeDeployStatus(forge: Forge, sha: string, environment: string, result: VerifiedResult, runUrl: string, log: Logger): Promise<void> {
  const status: CommitStatus = {
    context: statusContext(environment),
    state: result.verified ? 'success' : 'failure',
    description: fitColumn(withAudit(result.summary, result.audit ?? null, MAX_DESCRIPTION), MAX_DESCRIPTION),
    targetUrl: runUrl || null
  }
  try {
    await forge.setStatus(sha, status)
    log.info(`recorded ${status.state} as ${status.context} on ${shortSha(sha)}`)
  } catch (error) {
    log.warning(
      `could not record ${status.context} on ${shortSha(sha)} (${classifyError(error)}: ${neutralize(describeError(error), 200)}); a gate that requires this environment will block it`
    )
  }
}

/** True when the commit carries a success record for the environment. A record that cannot be read counts as absent. */
export async function isRecordedVerified(forge: Forge, sha: string, environment: string, log: Logger): Promise<boolean> {
  try {
    return (await forge.latestStatus(sha, statusContext(environment)))?.state === 'success'
  } catch (error) {
    log.warning(`could not read ${statusContext(environment)} on ${shortSha(sha)} (${classifyError(error)}); treating it as not recorded`)
    return false
  }
}
