import { GREEN_RESULTS } from '../types.js'
import { isSettled, listNames } from '../fleet/report.js'
import { NOT_PROMOTED, tagMove } from '../report/promotion.js'
import type { RunRecord } from '../stages/record.js'
import { shortSha } from '../util/sha.js'

/** The verdict a person reads last: result and message, then where the run stood. */
export function renderOutcome(record: RunRecord): string[] {
  const settled = record.tenants.filter(isSettled).length
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
  if (record.override) lines.push(`  freeze overridden by ${record.override.actor ?? 'an unknown actor'}: ${record.override.reason}`)
  if (record.rollback) {
    const from = listNames(record.rollback.from.map(shortSha), 5) || 'nothing'
    lines.push(
      `  rollback by ${record.rollback.actor ?? 'an unknown actor'}: ${record.rollback.reason}; moved back from ${from} to ${record.rollback.to ? shortSha(record.rollback.to) : 'unknown'}`
    )
  }
  const p = record.promotion
  if (p?.status === 'not_attempted') lines.push(`  ${p.image}:${p.tag} ${NOT_PROMOTED}`)
  else if (p) lines.push(`  ${p.image}:${p.tag} ${p.status}: ${tagMove(p)}`)
  return lines
}
