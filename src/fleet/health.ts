/**
 * Health checks (docs/contract.md, Verify): a tenant that reports the expected commit is verified only
 * once its health path has answered 2xx `successes` times in a row. The verdict has hysteresis, like a
 * load balancer's: a tenant is healthy after `successes` passes in a row and unhealthy after `failures`
 * failed checks in a row, so a single failed probe never fails a tenant and a single pass never clears one.
 * Nothing here does I/O.
 */

/** `health-successes` and `health-failures`. */
export interface HealthThresholds {
  readonly successes: number
  readonly failures: number
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { successes: 2, failures: 3 }

/** `checking`: neither threshold reached yet since the check began. */
export type HealthVerdict = 'checking' | 'healthy' | 'unhealthy'

/** What one GET of a health path found: `status` is `http <code>` for an answer, else the failure's class (`deadline`, `refused`, …). */
export interface HealthProbe {
  readonly ok: boolean
  readonly status: string
}

export interface HealthTracker {
  readonly verdict: HealthVerdict
  /** Passes (or failures) in a row, ending with the last probe. */
  readonly streak: number
  readonly last: HealthProbe | null
}

export const NEW_HEALTH_TRACKER: HealthTracker = { verdict: 'checking', streak: 0, last: null }

/** The tracker after one more probe. */
export function nextHealth(tracker: HealthTracker, probe: HealthProbe, thresholds: HealthThresholds): HealthTracker {
  const streak = tracker.last?.ok === probe.ok ? tracker.streak + 1 : 1
  const reached = streak >= (probe.ok ? thresholds.successes : thresholds.failures)
  return { verdict: reached ? (probe.ok ? 'healthy' : 'unhealthy') : tracker.verdict, streak, last: probe }
}

/**
 * The check's last status as the record and the error line show it: `http 503`, `deadline`; a pass that
 * has not made the tenant healthy yet says how far it got (`http 200, 1 of 2 passes in a row`).
 */
export function healthStatus(tracker: HealthTracker, thresholds: HealthThresholds): string | null {
  if (!tracker.last) return null
  if (tracker.verdict !== 'healthy' && tracker.last.ok) return `${tracker.last.status}, ${tracker.streak} of ${thresholds.successes} passes in a row`
  return tracker.last.status
}

/**
 * The health trackers of one run, by tenant: they carry over from wave to wave, so a tenant found
 * healthy stays healthy through a later verdict's single failed probe.
 */
export class HealthBook {
  private readonly trackers = new Map<string, HealthTracker>()

  constructor(readonly thresholds: HealthThresholds) {}

  /** Folds one probe into the tenant's tracker and returns it. */
  record(tenant: string, probe: HealthProbe): HealthTracker {
    const next = nextHealth(this.trackers.get(tenant) ?? NEW_HEALTH_TRACKER, probe, this.thresholds)
    this.trackers.set(tenant, next)
    return next
  }

  /** A tenant read off the expected commit starts its check again when it comes back to it. */
  reset(tenant: string): void {
    this.trackers.delete(tenant)
  }
}
