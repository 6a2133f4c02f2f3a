import { buildConnector, Client, Pool, type Dispatcher } from 'undici'
import type { Tenant } from '../types.js'
import { proxyAwareDispatcher } from '../util/dispatcher.js'

/**
 * How probes share sockets. The number of sockets open at once never exceeds `concurrency`:
 * - few origins (at most `concurrency`): each origin gets a share of the workers proportional to its
 *   tenants (at least one); a worker carries one request at a time over its own socket, and idle sockets
 *   are kept for the next round. No request ever queues behind another, so the per-request deadline
 *   measures the tenant and not our queue.
 * - many origins: one shared set of `concurrency` workers and no keep-alive (each request asks
 *   `connection: close`), so thousands of one-tenant hosts never leave thousands of idle sockets behind.
 */
export interface ConnectionPlan {
  readonly keepAlive: boolean
  readonly concurrency: number
  /** Workers (= connections) per origin; only in keep-alive mode. */
  readonly perOrigin: ReadonlyMap<string, number>
  /** Origins with one tenant only: their single connection needs no pool. */
  readonly singleTenant: ReadonlySet<string>
}

export function originOf(url: string): string {
  return new URL(url).origin
}

export function planConnections(tenants: readonly Tenant[], concurrency: number): ConnectionPlan {
  const tenantsPerOrigin = new Map<string, number>()
  for (const tenant of tenants) {
    const origin = originOf(tenant.url)
    tenantsPerOrigin.set(origin, (tenantsPerOrigin.get(origin) ?? 0) + 1)
  }
  const singleTenant = new Set([...tenantsPerOrigin].filter(([, count]) => count === 1).map(([origin]) => origin))
  if (tenantsPerOrigin.size > concurrency) return { keepAlive: false, concurrency, perOrigin: new Map(), singleTenant }
  const spare = concurrency - tenantsPerOrigin.size
  const perOrigin = new Map<string, number>()
  for (const [origin, count] of tenantsPerOrigin) {
    perOrigin.set(origin, Math.min(count, 1 + Math.floor((spare * count) / tenants.length)))
  }
  return { keepAlive: true, concurrency, perOrigin, singleTenant }
}

export interface TransportTimings {
  readonly connectTimeoutMs: number
  /** How long an idle connection is kept for the next round, unless the server's Keep-Alive hint is shorter. */
  readonly keepAliveMs: number
}

/** Hops a probe follows (a buildinfo behind `http → https` or a trailing slash); a longer chain is `redirect` (src/fleet/probe.ts). */
export const MAX_PROBE_REDIRECTS = 3

/**
 * The probes' dispatcher: undici's Agent behind the runner's proxy settings (the probe follows redirects
 * itself, so it can say where one led). In keep-alive mode each origin's pool holds at most its share of
 * workers, so a socket still finishing its answer never makes the pool open one more. A one-tenant
 * origin gets a bare Client and every origin shares one connector: with thousands of origins, building
 * a pool and a connector per origin and round is most of the client's cost per probe.
 */
export function createFleetTransport(plan: ConnectionPlan, timings: TransportTimings): Dispatcher {
  return proxyAwareDispatcher({
    factory: (origin, options) => {
      if (plan.singleTenant.has(String(origin))) return new Client(origin, options)
      return new Pool(origin, { ...options, connections: plan.perOrigin.get(String(origin)) ?? null })
    },
    connect: buildConnector({ timeout: timings.connectTimeoutMs }),
    keepAliveTimeout: timings.keepAliveMs,
    keepAliveMaxTimeout: timings.keepAliveMs
  })
}
