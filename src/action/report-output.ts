import type { TenantReport } from '../types.js'
import { isSettled } from '../fleet/report.js'
import { byAttention } from '../report/summary.js'
import type { RunRecord } from '../stages/record.js'

/** GitHub documents a step output as at most 1 MB; the report stays below it (in bytes, as UTF-8). */
export const MAX_REPORT_BYTES = 1_000_000

/**
 * The `report` output: the record as JSON, whole when it fits. A record too large for an output (a
 * fleet of thousands) keeps its verdict and every field but the tenant list, counts the tenants by
 * state, lists those that need attention (stale, unreachable, then not attempted) as far as they fit,
 * and says it was shortened and where the full record is.
 */
export function reportOutput(record: RunRecord, historyFile: string | null, maxBytes = MAX_REPORT_BYTES): string {
  const whole = JSON.stringify(record)
  if (Buffer.byteLength(whole) < maxBytes) return whole
  const needy = record.tenants.filter((t) => !isSettled(t)).sort(byAttention)
  const head = {
    ...record,
    tenants: [] as TenantReport[],
    shortened: {
      reason: `the whole record is ${Buffer.byteLength(whole)} bytes and a step output holds at most ${maxBytes}`,
      tenant_counts: countByState(record.tenants),
      tenants_total: record.tenants.length,
      tenants_listed: 0,
      full_record: historyFile && !record.dry_run ? `history-file ${historyFile}` : 'not kept: set history-file to keep every run whole'
    }
  }
  // Room left once the listed count has its widest value; each tenant costs its JSON and a comma.
  let room = maxBytes - 1 - Buffer.byteLength(JSON.stringify({ ...head, shortened: { ...head.shortened, tenants_listed: needy.length } }))
  for (const tenant of needy) {
    room -= Buffer.byteLength(JSON.stringify(tenant)) + 1
    if (room < 0) break
    head.tenants.push(tenant)
  }
  head.shortened.tenants_listed = head.tenants.length
  return JSON.stringify(head)
}

function countByState(tenants: readonly TenantReport[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const t of tenants) counts[t.state] = (counts[t.state] ?? 0) + 1
  return counts
}
