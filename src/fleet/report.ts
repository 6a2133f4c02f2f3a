import type { Tenant, TenantReport, TenantState } from '../core/types.js'
import { groupBy } from '../util/group-by.js'
import { shortSha } from '../util/sha.js'

/** A tenant that needs nothing more: it runs the expected commit or (when not rolling back) a newer one. */
export function isSettled(report: TenantReport): boolean {
  return report.state === 'converged' || report.state === 'ahead'
}

const LISTED_NAMES = 5

/**
 * One line per round, readable at 10,000 tenants: counts, and at most a few names per state. A tenant
 * still on another commit is "not yet" here: it is stale only when the budget ends (the verdict's lines).
 */
export function summarizeRound(round: number, reports: readonly TenantReport[]): string {
  const byState = groupBy(reports, (report) => report.state)
  const converged = byState.get('converged')?.length ?? 0
  const parts = [`round ${round}: ${converged}/${reports.length} converged`]
  for (const state of ['ahead', 'stale', 'unhealthy', 'unreachable', 'pending'] as const) {
    const group = byState.get(state)
    if (!group) continue
    const named = state === 'pending' ? '' : ` (${listNames(group.map(describeTenant), LISTED_NAMES)})`
    parts.push(`${group.length} ${ROUND_LABEL[state] ?? state}${named}`)
  }
  return parts.join(', ')
}

/** Until the budget ends, a tenant on another commit or not yet healthy is only "not yet" so. */
const ROUND_LABEL: Partial<Record<TenantState, string>> = { stale: 'not yet', unhealthy: 'not yet healthy' }

/** A tenant in a log line: its error class when unreachable, its health check's last status when unhealthy, else the commit it reported. */
export function describeTenant(report: TenantReport): string {
  if (report.state === 'unreachable') return `${report.name}: ${report.error_class}`
  if (report.state === 'unhealthy') return `${report.name}: ${report.health_status ?? 'not checked'}`
  return `${report.name} actual=${report.actual ? shortSha(report.actual) : 'none'}`
}

/** At most `max` names, then a count: readable at any fleet size. */
export function listNames(names: readonly string[], max = 10): string {
  const more = names.length - max
  return more > 0 ? `${names.slice(0, max).join(', ')} and ${more} more` : names.join(', ')
}

const REGRESSED = ' (regressed: it reported this commit or a newer one earlier in this run)'

/**
 * One line per tenant that did not settle, in the form the incident made familiar:
 * `hongming is stale: actual=7a72516, expected=7f25373`, `hongming is unreachable: refused, expected=7f25373`,
 * or `hongming is unhealthy: http 503 on /healthz (actual=7f25373)` (its path from `tenants`).
 */
export function failureLines(reports: readonly TenantReport[], expectedSha: string, tenants: readonly Tenant[] = []): string[] {
  const expected = shortSha(expectedSha)
  const healthUrl = new Map(tenants.map((t) => [t.name, t.health]))
  return reports
    .filter((report) => !isSettled(report))
    .map((report) => {
      switch (report.state) {
        case 'unreachable':
          return `${report.name} is unreachable: ${report.error_class}, expected=${expected}`
        case 'unhealthy':
          return `${report.name} is unhealthy: ${report.health_status ?? 'not checked'} on ${pathOf(healthUrl.get(report.name))} (actual=${report.actual ? shortSha(report.actual) : 'none'})`
        case 'pending':
          return `${report.name} is pending: not probed, expected=${expected}`
        default:
          return `${report.name} is stale: actual=${report.actual ? shortSha(report.actual) : 'none'}, expected=${expected}${report.regressed ? REGRESSED : ''}`
      }
    })
}

/** A health URL's path, the part that says which check failed (its query may carry a secret). */
function pathOf(url: string | undefined): string {
  return url ? new URL(url).pathname : 'its health path'
}
