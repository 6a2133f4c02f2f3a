import type { Dispatcher } from 'undici'
import type { Tenant } from '../types.js'
import { forEachBounded } from './bounded.js'
import { createFleetTransport, planConnections, type ConnectionPlan } from './connection-plan.js'
import { probeTarget, startHealthProbe, startProbe, type ProbeRequest, type ProbeResult, type ProbeTarget, type RunningGet } from './probe.js'
import type { HealthProbe } from './health.js'
import { groupBy } from '../util/group-by.js'

export interface ProbeOptions {
  /** Requests (and sockets) in flight at most. */
  concurrency?: number
  /** Deadline of one request, connect to last body byte. */
  requestTimeoutMs?: number
  /** A host that has not accepted the connection by then is `connect_timeout` rather than `deadline`. */
  connectTimeoutMs?: number
  maxBodyBytes?: number
  /** Idle connections are kept this long for the next round (the server's Keep-Alive hint may shorten it). */
  keepAliveMs?: number
  /** Injected undici dispatcher (tests, simulations) instead of the proxy-aware Agent; the caller owns it and closes it. */
  dispatcher?: Dispatcher
}

export const PROBE_DEFAULTS = {
  concurrency: 64,
  requestTimeoutMs: 5_000,
  maxBodyBytes: 64 * 1024,
  keepAliveMs: 30_000
} as const

export interface FleetProber {
  /**
   * Probes each of `tenants` once. `onResult` is called as each probe completes. When `signal` aborts,
   * no new probe starts, in-flight ones are cancelled (no result), and the call resolves.
   */
  probe(tenants: readonly Tenant[], onResult: (tenant: Tenant, result: ProbeResult) => void, signal?: AbortSignal): Promise<void>
  /** The same for each tenant's health URL (`Tenant.health`; tenants without one are skipped), over the same sockets. */
  probeHealth(tenants: readonly Tenant[], onResult: (tenant: Tenant, result: HealthProbe) => void, signal?: AbortSignal): Promise<void>
  /** Releases the sockets (unless the dispatcher was injected). */
  close(): Promise<void>
}

/** A prober for one fleet: its connection plan is made once, so keep-alive connections carry over between rounds. */
export function createFleetProber(fleet: readonly Tenant[], shaFields: readonly string[], options: ProbeOptions = {}): FleetProber {
  const concurrency = Math.max(1, options.concurrency ?? PROBE_DEFAULTS.concurrency)
  const requestTimeoutMs = options.requestTimeoutMs ?? PROBE_DEFAULTS.requestTimeoutMs
  const targets = new Map<string, ProbeTarget>()
  const targetOf = (url: string): ProbeTarget => {
    let target = targets.get(url)
    if (!target) {
      target = probeTarget(url)
      targets.set(url, target)
    }
    return target
  }
  const plan = planConnections(fleet, concurrency)
  const transport = options.dispatcher
    ? null
    : createFleetTransport(plan, {
        connectTimeoutMs: options.connectTimeoutMs ?? Math.ceil(requestTimeoutMs * 0.6),
        keepAliveMs: options.keepAliveMs ?? PROBE_DEFAULTS.keepAliveMs
      })
  const dispatcher = options.dispatcher ?? transport!
  const req: ProbeRequest = {
    dispatcher,
    shaFields,
    requestTimeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? PROBE_DEFAULTS.maxBodyBytes,
    closeAfter: !plan.keepAlive
  }

  /** Each of `tenants` once, at `urlOf` (where one is given), at most the plan's workers in flight. */
  const probeEach = async <T>(
    tenants: readonly Tenant[],
    urlOf: (tenant: Tenant) => string | undefined,
    start: (target: ProbeTarget) => RunningGet<T>,
    onResult: (tenant: Tenant, result: T) => void,
    signal?: AbortSignal
  ): Promise<void> => {
    // One listener on the caller's signal cancels whatever is in flight (not one listener per probe).
    const inFlight = new Set<RunningGet<T>>()
    const cancelAll = (): void => inFlight.forEach((probe) => probe.cancel(signal?.reason))
    signal?.addEventListener('abort', cancelAll, { once: true })
    const probeOne = async (tenant: Tenant): Promise<void> => {
      const probe = start(targetOf(urlOf(tenant)!))
      inFlight.add(probe)
      try {
        onResult(tenant, await probe.result)
      } catch (error) {
        if (!signal?.aborted) throw error
      } finally {
        inFlight.delete(probe)
      }
    }
    const due = tenants.filter((tenant) => urlOf(tenant) !== undefined)
    try {
      await Promise.all(
        lanes(plan, due, (tenant) => targetOf(urlOf(tenant)!)).map(({ tenants: lane, workers }) => forEachBounded(lane, workers, probeOne, signal))
      )
    } finally {
      signal?.removeEventListener('abort', cancelAll)
    }
  }

  return {
    probe: (tenants, onResult, signal) =>
      probeEach(
        tenants,
        (tenant) => tenant.url,
        (target) => startProbe(target, req),
        onResult,
        signal
      ),
    probeHealth: (tenants, onResult, signal) =>
      probeEach(
        tenants,
        (tenant) => tenant.health,
        (target) => startHealthProbe(target, req),
        onResult,
        signal
      ),
    async close() {
      await transport?.destroy()
    }
  }
}

/** Splits a round's tenants into groups that each run with their own bounded set of workers. */
function lanes(plan: ConnectionPlan, tenants: readonly Tenant[], targetOf: (tenant: Tenant) => ProbeTarget): { tenants: Tenant[]; workers: number }[] {
  if (!plan.keepAlive) return [{ tenants: [...tenants], workers: plan.concurrency }]
  const byOrigin = groupBy(tenants, (tenant) => targetOf(tenant).origin)
  return [...byOrigin].map(([origin, lane]) => ({ tenants: lane, workers: plan.perOrigin.get(origin) ?? 1 }))
}
