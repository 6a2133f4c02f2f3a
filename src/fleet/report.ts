import type { Tenant, TenantReport, TenantState } from '../types.js'
import { chunks, groupBy } from '../util/group-by.js'
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

/**
 * A verdict's words for the time a wave had: the settle budget counts from the verify, after the redeploy,
 * so the wave itself can run past it; both numbers are said, so neither reads as the other.
 */
export function withinSettleBudget(budgetSeconds: number, waveMs: number): string {
  return `within the ${budgetSeconds}s settle budget (the wave took ${Math.round(waveMs / 100) / 10}s: redeploy and verify)`
}

const REGRESSED = ' (regressed: it reported this commit or a newer one earlier in this run)'

/**
 * Up to this many tenants needing attention, the log has a line per tenant (the form a person greps for)
 * and the job summary a table; above it, counts by class come first, then the names by class and commit.
 */
export const PER_TENANT_UP_TO = 50
/** Names per log line when a group's names are listed in full. */
const NAMES_PER_LINE = 20
/** Failed-probe details quoted per class: a few examples say what the class means here. */
const EXAMPLES_PER_CLASS = 3
/** Error annotations of a red run besides its verdict: GitHub shows 10 a step, and the verdict comes first. */
export const MAX_CLASS_ANNOTATIONS = 8

/** Tenants alike enough to be reported together: same state, error class (or health check status) and regression. */
export interface AttentionGroup<T> {
  readonly state: TenantReport['state']
  readonly errorClass: TenantReport['error_class']
  /** An unhealthy group's last health check status (`http 503`). */
  readonly healthStatus: TenantReport['health_status']
  readonly regressed: boolean
  readonly tenants: T[]
}

type Classified = Pick<TenantReport, 'name' | 'state' | 'actual' | 'error_class' | 'regressed' | 'health_status'>

/** Tenants that need attention grouped by class, stale first: the log, the annotations and the job summary share these groups. */
export function attentionGroups<T extends Classified>(needy: readonly T[]): AttentionGroup<T>[] {
  const sorted = [...needy].sort((a, b) => rank(a.state) - rank(b.state))
  return [...groupBy(sorted, (t) => `${t.state}/${t.error_class ?? t.health_status ?? ''}/${t.regressed}`).values()].map((tenants) => ({
    state: tenants[0].state,
    errorClass: tenants[0].error_class,
    healthStatus: tenants[0].health_status,
    regressed: tenants[0].regressed,
    tenants
  }))
}

function rank(state: TenantState): number {
  return state === 'stale' ? 0 : state === 'unhealthy' ? 1 : state === 'unreachable' ? 2 : 3
}

/** A group's class in the log's words: `stale`, `stale (regressed)`, `unreachable: refused`, `unhealthy: http 503`. */
export function classLabel(group: AttentionGroup<Classified>): string {
  if (group.state === 'unreachable') return `unreachable: ${group.errorClass}`
  if (group.state === 'unhealthy') return `unhealthy: ${group.healthStatus ?? 'not checked'}`
  return group.regressed ? `${group.state} (regressed)` : group.state
}

/**
 * What the log says of the tenants that did not settle at a verdict, every line classified. Up to
 * PER_TENANT_UP_TO of them, one line each in the form the incident made familiar:
 * `hongming is stale: actual=7a72516, expected=7f25373`, `bo is unreachable: refused, expected=7f25373`
 * followed by what the probe found, or `cy is unhealthy: http 503 on /healthz (actual=7f25373)` (its path from `tenants`). Above it, one line of counts by class, then each class's names by
 * the commit they report, a few to a line, and a few of its probe details as examples.
 */
export function failureLines(
  reports: readonly TenantReport[],
  expectedSha: string,
  details: ReadonlyMap<string, string> = new Map(),
  tenants: readonly Tenant[] = []
): string[] {
  const expected = shortSha(expectedSha)
  const needy = reports.filter((report) => !isSettled(report))
  if (needy.length <= PER_TENANT_UP_TO) {
    const healthUrl = new Map(tenants.map((t) => [t.name, t.health]))
    return needy.map(
      (report) => `${tenantLine(report, expected, healthUrl.get(report.name))}${details.has(report.name) ? ` (${details.get(report.name)})` : ''}`
    )
  }
  const groups = attentionGroups(needy)
  return [
    `${needy.length} of ${reports.length} tenant(s) did not report ${expected}: ${groups.map((g) => `${g.tenants.length} ${classLabel(g)}`).join(', ')} (by class and commit below; a line per tenant up to ${PER_TENANT_UP_TO})`,
    ...groups.flatMap((group) => [
      ...[...groupBy(group.tenants, (t) => t.actual ?? '')].flatMap(([actual, tenants]) =>
        chunks(
          tenants.map((t) => t.name),
          NAMES_PER_LINE
        ).map((names) => `${classLabel(group)}, at ${actual ? shortSha(actual) : 'no commit'} (${tenants.length}): ${names.join(', ')}`)
      ),
      ...group.tenants
        .filter((t) => details.has(t.name))
        .slice(0, EXAMPLES_PER_CLASS)
        .map((t) => `${classLabel(group)}, e.g. ${t.name}: ${details.get(t.name)}`)
    ])
  ]
}

/**
 * The error annotations that follow a red verdict: one per class, the tenant's own line when the class
 * holds one tenant, never more than MAX_CLASS_ANNOTATIONS (the rest is counted in the last one).
 */
export function classAnnotations(needy: readonly Classified[], expectedSha: string): string[] {
  const expected = shortSha(expectedSha)
  const groups = attentionGroups(needy)
  const shown = groups.length > MAX_CLASS_ANNOTATIONS ? groups.slice(0, MAX_CLASS_ANNOTATIONS - 1) : groups
  const rest = groups.slice(shown.length)
  return [
    ...shown.map((group) => {
      if (group.tenants.length === 1) return tenantLine(group.tenants[0], expected)
      const commits = [...groupBy(group.tenants, (t) => t.actual ?? '')].map(([actual, ts]) => `${actual ? shortSha(actual) : 'no commit'} (${ts.length})`)
      return `${group.tenants.length} tenants ${classLabel(group)}, expected=${expected}, at ${listNames(commits, 3)}: ${listNames(
        group.tenants.map((t) => t.name),
        5
      )}`
    }),
    ...(rest.length > 0
      ? [
          `… and ${rest.reduce((n, g) => n + g.tenants.length, 0)} more tenant(s) in ${rest.length} more class(es): ${rest.map(classLabel).join(', ')}; see the log`
        ]
      : [])
  ]
}

function tenantLine(report: Classified, expected: string, healthUrl?: string): string {
  switch (report.state) {
    case 'unreachable':
      return `${report.name} is unreachable: ${report.error_class}, expected=${expected}`
    case 'unhealthy':
      return `${report.name} is unhealthy: ${report.health_status ?? 'not checked'} on ${pathOf(healthUrl)} (actual=${report.actual ? shortSha(report.actual) : 'none'})`
    case 'pending':
      return `${report.name} is pending: not probed, expected=${expected}`
    default:
      return `${report.name} is stale: actual=${report.actual ? shortSha(report.actual) : 'none'}, expected=${expected}${report.regressed ? REGRESSED : ''}`
  }
}

/** A health URL's path, the part that says which check failed (its query may carry a secret). */
function pathOf(url: string | undefined): string {
  return url ? new URL(url).pathname : 'its health path'
}
