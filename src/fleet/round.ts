import type { Tenant, TenantReport } from '../types.js'
import type { Clock } from '../util/clock.js'
import { withHealth, type CommitClassifier, type CommitState } from './classify.js'
import { healthStatus, type HealthBook } from './health.js'
import type { FleetProber } from './prober.js'
import type { ProbeResult } from './probe.js'
import { isSettled } from './report.js'

export function pendingReport(name: string): TenantReport {
  return { name, state: 'pending', actual: null, attempts: 0, seconds_to_converge: null, error_class: null, regressed: false }
}

export interface RoundContext {
  readonly prober: FleetProber
  readonly classifier: CommitClassifier
  readonly clock: Clock
  /** Clock time verify started; `seconds_to_converge` counts from here. */
  readonly startedAt: number
  readonly signal?: AbortSignal
  /** The run's health trackers, when tenants are health-checked at this stage (verify; not the plan). */
  readonly health?: HealthBook
}

/**
 * Probes `due` once and folds the answers into `reports` (mutated in place). A tenant that answers
 * with an error keeps the commit it reported last. With `health`, every tenant found on the expected
 * commit (or a newer one) that has a health URL is then checked there once, and is settled only once its
 * check passed. Returns each failed probe's detail, by tenant name, for the operator's log. Cancelled
 * probes leave their tenant untouched.
 */
export async function probeRound(due: readonly Tenant[], reports: ReadonlyMap<string, TenantReport>, ctx: RoundContext): Promise<Map<string, string>> {
  const answers: { tenant: Tenant; result: ProbeResult; at: number }[] = []
  await ctx.prober.probe(due, (tenant, result) => answers.push({ tenant, result, at: ctx.clock.now() }), ctx.signal)

  ctx.classifier.nextRound()
  const details = new Map<string, string>()
  const read: { tenant: Tenant; state: CommitState; at: number }[] = []
  await Promise.all(
    answers.map(async ({ tenant, result, at }) => {
      const report = reports.get(tenant.name)!
      report.attempts++
      if (result.sha === null) {
        // A tenant that converged and then fails a read has not converged as far as anyone can tell.
        report.seconds_to_converge = null
        report.state = 'unreachable'
        report.error_class = result.errorClass
        details.set(tenant.name, result.detail)
        return
      }
      report.actual = result.sha
      report.error_class = null
      read.push({ tenant, state: await ctx.classifier.stateOf(result.sha), at })
    })
  )
  if (ctx.health) await checkHealth(read, reports, ctx.health, ctx)
  for (const { tenant, state, at } of read) {
    const report = reports.get(tenant.name)!
    const wasSettled = isSettled(report)
    report.state = withHealth(state, report.healthy)
    // Stays marked until it settles again: an unreadable read in between does not clear it.
    report.regressed = report.state === 'stale' && (wasSettled || report.regressed)
    if (report.state !== 'converged') report.seconds_to_converge = null
    else if (report.seconds_to_converge === null) report.seconds_to_converge = Math.round((at - ctx.startedAt) / 100) / 10
  }
  return details
}

/** Health probes of the tenants just read on the expected commit (or a newer one); one read off it starts over. */
async function checkHealth(
  read: readonly { tenant: Tenant; state: CommitState }[],
  reports: ReadonlyMap<string, TenantReport>,
  book: HealthBook,
  ctx: RoundContext
): Promise<void> {
  const onCommit: Tenant[] = []
  for (const { tenant, state } of read) {
    if (!tenant.health) continue
    const report = reports.get(tenant.name)!
    if (state === 'stale') {
      book.reset(tenant.name)
      delete report.healthy
      delete report.health_status
    } else {
      // Not settled until a probe of this round says so (a cancelled one leaves it unhealthy).
      report.healthy ??= false
      onCommit.push(tenant)
    }
  }
  await ctx.prober.probeHealth(
    onCommit,
    (tenant, probe) => {
      const tracker = book.record(tenant.name, probe)
      const report = reports.get(tenant.name)!
      report.healthy = tracker.verdict === 'healthy'
      report.health_status = healthStatus(tracker, book.thresholds) ?? undefined
    },
    ctx.signal
  )
}
