import type { Ancestry, Logger, Tenant, TenantReport } from '../types.js'
import { createClassifier, type CompareCommits } from '../fleet/classify.js'
import { createFleetProber, type ProbeOptions } from '../fleet/prober.js'
import { describeTenant, isSettled, listNames, summarizeRound } from '../fleet/report.js'
import { pendingReport, probeRound, type RoundContext } from '../fleet/round.js'
import type { HealthBook } from '../fleet/health.js'
import type { Clock } from '../util/clock.js'
import { classifyError, describeError, isFatal } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'

export { failureLines } from '../fleet/report.js'

export interface SettleOptions {
  tenants: readonly Tenant[]
  expectedSha: string
  shaFields: readonly string[]
  budgetSeconds: number
  intervalSeconds: number
  allowRollback: boolean
  clock: Clock
  compare: (base: string, head: string) => Promise<Ancestry>
  /**
   * Proof that the run may go on: asked between rounds (not before the first) and right before the
   * verdict's confirmation read; false ends verify at once as 'superseded'.
   */
  stillOwner: () => Promise<boolean>
  log: Logger
  /** Called after every round with a snapshot of every tenant and the milliseconds left in the budget (live progress). */
  onRound?: RoundListener
  probe?: ProbeOptions
  /** Cancellation: stops promptly and returns what is known as 'aborted'. */
  signal?: AbortSignal
  /** Clock time `seconds_to_converge` counts from (default: now); a rollout in waves passes its own start. */
  since?: number
  /**
   * Reports of tenants that already proved the expected commit (or a newer one) and were not touched
   * since, e.g. by the probe that planned the redeploy: they count as settled and are not probed again.
   */
  settled?: readonly TenantReport[]
  /** The run's health trackers: tenants with a health URL are settled only once their check passed. */
  health?: HealthBook
}

/** Live progress: each verify round's snapshot, and how much of the settle budget is left. */
export type RoundListener = (round: number, reports: readonly TenantReport[], budgetLeftMs: number) => void

export interface SettleOutcome {
  outcome: 'converged' | 'stale' | 'superseded' | 'aborted'
  tenants: TenantReport[]
  rounds: number
  seconds: number
  /** What the last round's failed probes found, by tenant, for the verdict's lines (failureLines). */
  details: ReadonlyMap<string, string>
}

/**
 * docs/contract.md, Verify. Probes every tenant at once, then every `intervalSeconds` until
 * each tenant is converged (or ahead) or the budget ends, with a last probe exactly at the budget's end
 * (a budget of 0 is one read of every tenant: the confirmation after a bake). A settled tenant is not probed in every round (re-reading 10,000 settled tenants each round would only
 * add load), so before the verdict, converged or stale, every tenant counted as settled from an earlier
 * read, plan-time results included, is read once more: verified means verified at the verdict. A tenant that fell back
 * (a crash-looping container restarting on the old image, a load-balanced replica) is stale again and
 * polled on; one that fails the read is unreachable. A tenant still draining its old container is just
 * not settled yet; nothing is declared stale before the budget is spent.
 */
export async function settleFleet(options: SettleOptions): Promise<SettleOutcome> {
  const { clock, log, signal } = options
  const startedAt = clock.now()
  const deadline = startedAt + options.budgetSeconds * 1000
  const intervalMs = options.intervalSeconds * 1000
  const reports = new Map(options.tenants.map((t) => [t.name, pendingReport(t.name)]))
  const checked = new Set(options.health ? options.tenants.filter((t) => t.health).map((t) => t.name) : [])
  for (const report of options.settled ?? []) {
    // A tenant read without its health check (the plan's probe) still has to pass it.
    if (isSettled(report) && reports.has(report.name) && (!checked.has(report.name) || report.healthy === true)) reports.set(report.name, { ...report })
  }
  const prober = createFleetProber(options.tenants, options.shaFields, {
    keepAliveMs: intervalMs + 5_000,
    ...options.probe
  })
  const ctx: RoundContext = {
    prober,
    classifier: createClassifier({
      expectedSha: options.expectedSha,
      allowRollback: options.allowRollback,
      compare: options.compare,
      log
    }),
    clock,
    startedAt: options.since ?? startedAt,
    signal,
    health: options.health
  }
  const stillOwner = ownershipCheck(options.stillOwner, log)
  let rounds = 0
  let details: ReadonlyMap<string, string> = new Map()
  const finish = (outcome: SettleOutcome['outcome']): SettleOutcome => ({
    outcome,
    tenants: options.tenants.map((t) => ({ ...reports.get(t.name)! })),
    rounds,
    seconds: Math.round((clock.now() - startedAt) / 100) / 10,
    details
  })

  try {
    for (;;) {
      const roundStartedAt = clock.now()
      const due = new Set(options.tenants.filter((t) => !isSettled(reports.get(t.name)!)))
      details = await probeRound([...due], reports, ctx)
      if (signal?.aborted) return finish('aborted')
      rounds++
      const snapshot = options.tenants.map((t) => ({ ...reports.get(t.name)! }))
      options.onRound?.(rounds, snapshot, Math.max(0, deadline - clock.now()))
      log.info(summarizeRound(rounds, snapshot))
      const spent = clock.now() >= deadline
      if (snapshot.every(isSettled) || spent) {
        // The verdict, converged or not: every tenant it counts as settled from an earlier read is read once
        // more. A run that lost the branch meanwhile is superseded, not red: the fleet is expected to report
        // someone else's commit now.
        if (!(await stillOwner())) return finish('superseded')
        const readBefore = options.tenants.filter((t) => !due.has(t))
        const regressed = await confirmSettled(readBefore, reports, ctx)
        if (signal?.aborted) return finish('aborted')
        if (regressed.length === 0 && snapshot.every(isSettled)) return finish('converged')
        if (regressed.length > 0)
          log.warning(
            `${regressed.length} tenant(s) no longer report ${shortSha(options.expectedSha)} when read again before the verdict: ${listNames(regressed.map(describeTenant))}${spent ? '' : '; verifying on'}`
          )
        if (spent) {
          return finish('stale')
        }
      }
      const nextRoundAt = Math.min(roundStartedAt + intervalMs, deadline)
      try {
        await clock.sleep(Math.max(0, nextRoundAt - clock.now()), signal)
      } catch (error) {
        if (signal?.aborted) return finish('aborted')
        throw error
      }
      if (!(await stillOwner())) return finish('superseded')
      if (signal?.aborted) return finish('aborted')
    }
  } finally {
    await prober.close()
  }
}

/** Ownership fails open (docs/contract.md, Ownership): a check that throws means "still the owner", with a warning. */
function ownershipCheck(stillOwner: () => Promise<boolean>, log: Logger): () => Promise<boolean> {
  let warned = false
  return async () => {
    try {
      return await stillOwner()
    } catch (error) {
      if (isFatal(error)) throw error
      if (warned) return true
      warned = true
      log.warning(`could not re-check ownership between verify rounds (${classifyError(error)}: ${neutralize(describeError(error), 200)}); verifying on`)
      return true
    }
  }
}

/**
 * The verdict's confirmation: reads `tenants` (settled at an earlier read) once more and returns the
 * reports of those that are no longer settled.
 */
async function confirmSettled(tenants: readonly Tenant[], reports: ReadonlyMap<string, TenantReport>, ctx: RoundContext): Promise<TenantReport[]> {
  if (tenants.length === 0) return []
  await probeRound(tenants, reports, ctx)
  return tenants.map((t) => reports.get(t.name)!).filter((report) => !isSettled(report))
}

export interface ProbeFleetOptions {
  shaFields: readonly string[]
  clock: Clock
  log: Logger
  /** Ancestry, to tell ahead from stale; without it every other commit is stale. */
  compare?: CompareCommits
  allowRollback?: boolean
  probe?: ProbeOptions
  signal?: AbortSignal
}

/**
 * One round over the fleet, classified: the redeploy stage uses it to leave alone every tenant that
 * already reports the expected commit. Tenants whose probe was cancelled stay `pending`.
 */
export async function probeFleet(tenants: readonly Tenant[], expectedSha: string, options: ProbeFleetOptions): Promise<TenantReport[]> {
  const reports = new Map(tenants.map((t) => [t.name, pendingReport(t.name)]))
  const prober = createFleetProber(tenants, options.shaFields, options.probe)
  try {
    await probeRound(tenants, reports, {
      prober,
      classifier: createClassifier({
        expectedSha,
        allowRollback: options.allowRollback ?? false,
        compare: options.compare,
        log: options.log
      }),
      clock: options.clock,
      startedAt: options.clock.now(),
      signal: options.signal
    })
  } finally {
    await prober.close()
  }
  return tenants.map((t) => reports.get(t.name)!)
}
