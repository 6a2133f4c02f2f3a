import type { Random, SimClock } from './sim-clock.js'
import type { SimAnswer } from './sim-net.js'

/**
 * One simulated tenant. `deployed` is what its controller was last told to run; `running` is what the
 * process actually runs and reports, which differs from `deployed` while the tenant has regressed (a
 * crash-looping container fell back to its previous image). While `downUntil` is ahead, it answers 500.
 */
export interface SimTenant {
  readonly name: string
  deployed: string
  running: string
  /** Since when `running` holds its current value. */
  runningSince: number
  /** Ticket of the last redeploy request: the last request wins, as with a deployment controller. */
  ticket: number
  downSince: number
  downUntil: number
}

/** Why a tenant does not satisfy a claim at a moment, and since when, or null when it does. */
export interface TenantFault {
  readonly what: string
  readonly since: number
}

export interface FleetFaults {
  /** Probability that a rollout, once applied, later falls back to the previous image for a while. */
  readonly regression: number
}

/**
 * The fleet the runs deploy to: tenants, their control-plane rollouts, their outages (500 for a window)
 * and their regressions. It answers probes and tells the checker what each tenant really runs.
 */
export class SimFleet {
  readonly tenants: Map<string, SimTenant>
  /** Scripted regressions: the tenant's next rollout regresses this way (instead of by chance). */
  readonly plannedRegressions = new Map<string, { readonly afterMs: number; readonly forMs: number }>()
  /** Unhealthy on a new commit: while the tenant runs that commit it reports it, but its health path answers 503. */
  readonly sickOn = new Map<string, string>()

  constructor(
    names: readonly string[],
    base: string,
    private readonly clock: SimClock,
    private readonly random: Random,
    private readonly faults: FleetFaults | null,
    private readonly note: (line: string) => void
  ) {
    this.tenants = new Map(
      names.map((name) => [name, { name, deployed: base, running: base, runningSince: clock.now(), ticket: 0, downSince: 0, downUntil: 0 }])
    )
  }

  /** The tenant runs `sha` from now, as if an earlier deploy of it had landed. */
  place(tenant: SimTenant, sha: string): void {
    tenant.deployed = sha
    this.run(tenant, sha)
  }

  isDown(tenant: SimTenant): boolean {
    return this.clock.now() < tenant.downUntil
  }

  /** The tenant answers 500 from now for `ms`. */
  takeDown(tenant: SimTenant, ms: number): void {
    if (!this.isDown(tenant)) tenant.downSince = this.clock.now()
    tenant.downUntil = Math.max(tenant.downUntil, this.clock.now() + ms)
    this.note(`tenant ${tenant.name} answers 500 for ${(ms / 1000).toFixed(1)}s`)
  }

  /** A buildinfo probe reaching the tenant: 500 while down, else the commit it runs. */
  answer(tenant: SimTenant): SimAnswer {
    if (this.isDown(tenant)) return { status: 500, body: '{"error":"internal"}' }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha: tenant.running }) }
  }

  /** A health check reaching the tenant: 500 while down, 503 while it runs the commit it is sick on, else 200. */
  healthAnswer(tenant: SimTenant): SimAnswer {
    if (this.isDown(tenant)) return { status: 500, body: '{"error":"internal"}' }
    return this.isSick(tenant) ? { status: 503, body: '{"status":"failing"}' } : { status: 200, body: '{"status":"ok"}' }
  }

  private isSick(tenant: SimTenant): boolean {
    return this.sickOn.get(tenant.name) === tenant.running
  }

  /**
   * A rollout request reaching the controller. The new container comes up after a while; `onApply` is
   * called just before it does (the checker's backward test reads the tenant then). A regression in progress is
   * not undone by the request itself: the old container keeps running until the new one replaces it.
   */
  rollout(tenant: SimTenant, target: string, delayMs: number, onApply: () => void): void {
    const ticket = ++tenant.ticket
    this.clock.at(this.clock.now() + delayMs, () => {
      if (tenant.ticket !== ticket) return
      const from = tenant.running
      onApply()
      tenant.deployed = target
      this.run(tenant, target)
      const planned = this.plannedRegressions.get(tenant.name)
      this.plannedRegressions.delete(tenant.name)
      if (planned) this.scheduleRegression(tenant, ticket, from, planned.afterMs, planned.forMs)
      else if (this.faults && this.random.chance(this.faults.regression)) {
        this.scheduleRegression(tenant, ticket, from, this.random.int(2_000, 90_000), this.random.int(20_000, 150_000))
      }
    })
  }

  /** The tenant's satisfaction of "runs `expected` or a descendant, answers, and is healthy", now. */
  faultFor(tenant: SimTenant, expected: string, isAtOrAfter: (sha: string) => boolean): TenantFault | null {
    if (this.isDown(tenant)) return { what: 'answers 500', since: tenant.downSince }
    if (this.isSick(tenant)) return { what: `runs ${tenant.running.slice(0, 7)} but fails its health check`, since: tenant.runningSince }
    if (!isAtOrAfter(tenant.running)) {
      const regressed = tenant.running !== tenant.deployed ? ` (regressed from ${tenant.deployed.slice(0, 7)})` : ''
      return { what: `runs ${tenant.running.slice(0, 7)}${regressed}, not ${expected.slice(0, 7)} or newer`, since: tenant.runningSince }
    }
    return null
  }

  private run(tenant: SimTenant, sha: string): void {
    if (tenant.running !== sha) tenant.runningSince = this.clock.now()
    tenant.running = sha
  }

  /** After it came up on the new image, the container crash-loops back onto `previous` for a while, unless a newer rollout came first. */
  private scheduleRegression(tenant: SimTenant, ticket: number, previous: string, afterMs: number, forMs: number): void {
    if (previous === tenant.running) return
    const startAt = this.clock.now() + afterMs
    const endAt = startAt + forMs
    this.clock.at(startAt, () => {
      if (tenant.ticket !== ticket) return
      this.run(tenant, previous)
      this.note(`tenant ${tenant.name} regresses: its container falls back to ${previous.slice(0, 7)}`)
      this.clock.at(endAt, () => {
        if (tenant.ticket !== ticket) return
        this.run(tenant, tenant.deployed)
        this.note(`tenant ${tenant.name} runs ${tenant.deployed.slice(0, 7)} again`)
      })
    })
  }
}
