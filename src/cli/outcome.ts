import { GREEN_RESULTS } from '../core/types.js'
import { NOT_PROMOTED } from '../report/summary.js'
import type { RunRecord, TagState } from '../stages/record.js'
import { shortSha } from '../util/sha.js'

/** The verdict a person reads last: result and message, then where the run stood. */
export function renderOutcome(record: RunRecord): string[] {
  const settled = record.tenants.filter((t) => t.state === 'converged' || t.state === 'ahead').length
  const probed = record.tenants.some((t) => t.state !== 'pending')
  const facts = [
    `commit ${shortSha(record.sha)}`,
    `branch head ${record.head_sha ? shortSha(record.head_sha) : 'unknown'}`,
    `expected ${record.expected_sha ? shortSha(record.expected_sha) : 'unknown'}`,
    probed ? `${settled}/${record.tenants.length} tenants settled` : `${record.tenants.length} tenants not probed`,
    `${record.rounds} round(s)`,
    `${record.elapsed_seconds}s`,
    `${record.forge_calls.requests} forge request(s)`
  ]
  const lines = [
    `fleet-forward ${record.environment}: ${record.result} (${GREEN_RESULTS.has(record.result) ? 'green' : 'red'}): ${record.message.replace(`${record.result}: `, '')}`,
    `  ${facts.join(' · ')}`
  ]
  const p = record.promotion
  // An arrow only for a tag that moved: an unchanged or refused tag is named where it stayed.
  if (p?.status === 'not_attempted') lines.push(`  ${p.image}:${p.tag} ${NOT_PROMOTED}`)
  else if (p)
    lines.push(
      `  ${p.image}:${p.tag} ${p.status}: ${p.before?.digest === p.after?.digest ? `at ${describeTag(p.after)}` : `${describeTag(p.before)} → ${describeTag(p.after)}`}`
    )
  return lines
}

export function describeTag(state: TagState | null): string {
  if (!state) return 'absent'
  return `${state.digest.slice(0, 19)} (${state.revision ? shortSha(state.revision) : 'no revision'})`
}
