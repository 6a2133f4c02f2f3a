import type { Logger } from '../types.js'
import type { Forge } from '../forge/types.js'
import { classifyError, describeError, isFatal } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'
import { statusContext } from './status.js'

export type GateVerdict = { readonly passed: true; readonly message: string } | { readonly passed: false; readonly message: string }

/**
 * docs/contract.md, Gate (`require-verified-in`). The commit passes only with a success record from the
 * upstream environment. The gate fails closed: missing, pending, failure, error and unreadable all
 * block. Ownership fails open because skipping a genuine deploy is the harm it must never do; the gate
 * fails closed because letting an unverified commit reach production is the harm it exists to prevent,
 * and a blocked run is cheap to retry.
 */
export async function checkGate(forge: Forge, sha: string, upstream: string, log: Logger): Promise<GateVerdict> {
  const context = statusContext(upstream)
  const commit = shortSha(sha)
  let status
  try {
    status = await forge.latestStatus(sha, context)
  } catch (error) {
    if (isFatal(error)) throw error
    return {
      passed: false,
      message: `gate: could not read ${context} on ${commit} (${classifyError(error)}: ${neutralize(describeError(error), 200)}); the gate fails closed, nothing changed`
    }
  }
  if (!status) return { passed: false, message: `gate: ${commit} has no ${context} record: it was never verified in ${upstream}; nothing changed` }
  if (status.state !== 'success') {
    const detail = [status.description, status.targetUrl]
      .filter(Boolean)
      .map((s) => neutralize(s!, 200))
      .join(', ')
    return { passed: false, message: `gate: ${context} on ${commit} is ${status.state}${detail ? ` (${detail})` : ''}, not success; nothing changed` }
  }
  const message = `gate: ${commit} was verified in ${upstream}${status.targetUrl ? ` (${neutralize(status.targetUrl, 200)})` : ''}`
  log.info(message)
  return { passed: true, message }
}
