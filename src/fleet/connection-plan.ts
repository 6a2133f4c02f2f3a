import { Agent, Pool, type Dispatcher } from 'undici'
import type { Tenant } from '../core/types.js'

/**
 * How probes share sockets. The number of sockets open at once never exceeds `concurrency`:
 * - few origins (at most `concurrency`): each origin gets a share of the workers proportional to its
 *   tenants (at least one), its pool has exactly that many connections, and idle connections are kept
 *   for the next round. Because a worker only ever waits for its own request, no request queues inside
 *   the pool, so the per-request deadline measures the tenant and not our queue.
 * - many origins: one shared set of `concurrency` workers and no keep-alive; each socket closes with its
 *   response, so thousands of one-tenant hosts never leave thousands of idle sockets behind.
 */
export interface ConnectionPlan {
  readonly keepAlive: boolean
  readonly concurrency: number
  /** Workers (= connections) per origin; only in keep-alive mode. */
  readonly perOrigin: ReadonlyMap<string, number>
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
  if (tenantsPerOrigin.size > concurrency) return { keepAlive: false, concurrency, perOrigin: new Map() }
  const spare = concurrency - tenantsPerOrigin.size
  const perOrigin = new Map<string, number>()
  for (const [origin, count] of tenantsPerOrigin) {
    perOrigin.set(origin, Math.min(count, 1 + Math.floor((spare * count) / tenants.length)))
  }
  return { keepAlive: true, concurrency, perOrigin }
}

export interface AgentTimings {
  readonly connectTimeoutMs: number
  /** How long an idle connection is kept for the next round, unless the server's Keep-Alive hint is shorter. */
  readonly keepAliveMs: number
}

export function createFleetAgent(plan: ConnectionPlan, timings: AgentTimings): Dispatcher {
  const connect = { timeout: timings.connectTimeoutMs }
  if (!plan.keepAlive) return new Agent({ connect, pipelining: 0 })
  return new Agent({
    connect,
    keepAliveTimeout: timings.keepAliveMs,
    keepAliveMaxTimeout: Math.max(timings.keepAliveMs, 1_000),
    factory: (origin, options) =>
      new Pool(origin, { ...options, connections: plan.perOrigin.get(String(origin)) ?? 1 })
  })
}
