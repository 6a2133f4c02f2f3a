import type { Tenant, TenantReport } from '../core/types.js'
import type { Clock } from '../util/clock.js'
import type { CommitClassifier } from './classify.js'
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
}

/**
 * Probes `due` once and folds the answers into `reports` (mutated in place). A tenant that answers
 * with an error keeps the commit it reported last. Returns each failed probe's detail, by tenant name,
 * for the operator's log. Cancelled probes leave their tenant untouched.
 */
export async function probeRound(due: readonly Tenant[], reports: ReadonlyMap<string, TenantReport>, ctx: RoundContext): Promise<Map<string, string>> {
  const answers: { tenant: Tenant; result: ProbeResult; at: number }[] = []
  await ctx.prober.probe(due, (tenant, result) => answers.push({ tenant, result, at: ctx.clock.now() }), ctx.signal)

  ctx.classifier.nextRound()
  const details = new Map<string, string>()
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
      const wasSettled = isSettled(report)
      report.actual = result.sha
      report.error_class = null
      report.state = await ctx.classifier.stateOf(result.sha)
      // Stays marked until it settles again: an unreadable read in between does not clear it.
      report.regressed = report.state === 'stale' && (wasSettled || report.regressed)
      if (report.state !== 'converged') report.seconds_to_converge = null
      else if (report.seconds_to_converge === null) report.seconds_to_converge = Math.round((at - ctx.startedAt) / 100) / 10
    })
  )
  return details
}
