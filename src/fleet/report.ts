import type { TenantReport } from '../core/types.js'
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
  for (const state of ['ahead', 'stale', 'unreachable', 'pending'] as const) {
    const group = byState.get(state)
    if (!group) continue
    const named = state === 'pending' ? '' : ` (${listNames(group.map(describeTenant), LISTED_NAMES)})`
    parts.push(`${group.length} ${state === 'stale' ? 'not yet' : state}${named}`)
  }
  return parts.join(', ')
}

/** A tenant in a log line: its error class when unreachable, else the commit it reported. */
export function describeTenant(report: TenantReport): string {
  return report.state === 'unreachable' ? `${report.name}: ${report.error_class}` : `${report.name} actual=${report.actual ? shortSha(report.actual) : 'none'}`
}

/** At most `max` names, then a count: readable at any fleet size. */
export function listNames(names: readonly string[], max = 10): string {
  const more = names.length - max
  return more > 0 ? `${names.slice(0, max).join(', ')} and ${more} more` : names.join(', ')
}

/**
 * A verdict's words for the time a wave had: the settle budget is per verify (a baked wave is verified
 * twice), so the wave itself can run well past it; both numbers are said, so neither reads as the other.
 */
export function withinSettleBudget(budgetSeconds: number, waveMs: number, bakeSeconds: number): string {
  const steps = bakeSeconds > 0 ? 'redeploy, verify, bake and verify again' : 'redeploy and verify'
  return `within the ${budgetSeconds}s settle budget (the wave took ${Math.round(waveMs / 100) / 10}s: ${steps})`
}

const REGRESSED = ' (regressed: it reported this commit or a newer one earlier in this run)'

/**
 * One line per tenant that did not settle, in the form the incident made familiar:
 * `hongming is stale: actual=7a72516, expected=7f25373`, or `hongming is unreachable: refused, expected=7f25373`.
 */
export function failureLines(reports: readonly TenantReport[], expectedSha: string): string[] {
  const expected = shortSha(expectedSha)
  return reports
    .filter((report) => !isSettled(report))
    .map((report) => {
      switch (report.state) {
        case 'unreachable':
          return `${report.name} is unreachable: ${report.error_class}, expected=${expected}`
        case 'pending':
          return `${report.name} is pending: not probed, expected=${expected}`
        default:
          return `${report.name} is stale: actual=${report.actual ? shortSha(report.actual) : 'none'}, expected=${expected}${report.regressed ? REGRESSED : ''}`
      }
    })
}
