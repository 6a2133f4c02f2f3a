import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Tenant } from '../../src/types.js'

/**
 * A fake fleet: one HTTP server on 127.0.0.1 serving every tenant at `/t/<name>/buildinfo`, so 10,000
 * tenants share one port. Any name answers (with the fleet's default commit) until told otherwise.
 *
 *   const fleet = await startFakeFleet({ sha: OLD, clock })   // clock: whatever drives `schedule`
 *   fleet.set('hongming', { schedule: [{ from: clock.now() + 30_000, sha: NEW }] })
 *   fleet.set('ana', { status: 503 })
 *   const tenants = fleet.tenants(['hongming', 'ana'])         // [{ name, url }]
 *   ... fleet.requests('hongming'), fleet.stats().maxConnections
 *   await fleet.close()
 *
 * Each tenant also answers its health check at `/t/<name>/healthz` (`healthUrl`): 200 unless its
 * behaviour's `health` says otherwise.
 *
 * A behaviour replaces the previous one for that tenant; fields combine in the order listed below
 * (a `delayMs` applies before any answer; `hang`/`reset` win over everything else).
 */
export interface TenantBehaviour {
  /** Wait this long (real time) before answering. */
  delayMs?: number
  /** Accept the request and never answer (until the fleet closes). */
  hang?: boolean
  /** Destroy the connection without answering. */
  reset?: boolean
  /** Answer with this status and a small JSON error body. */
  status?: number
  /** Answer with this raw body (malformed JSON, hostile text) as application/json. */
  body?: string
  /** Answer with a JSON body of about this many bytes; `declared` sends Content-Length, else chunked. */
  oversized?: { bytes: number; declared: boolean }
  /** Commit reported (default: the fleet's `sha`). */
  sha?: string
  /** Later commits: the last entry whose `from` (ms on the fleet's clock) has passed wins over `sha`. */
  schedule?: ReadonlyArray<{ from: number; sha: string }>
  /** JSON field that carries the commit (default `sha`). */
  field?: string
  /** The tenant's first `count` requests answer `status` (a blip), the rest behave as described. */
  blip?: { count: number; status: number }
  /** After its first `count` requests, the tenant answers `status` (it went down after it was read). */
  downAfter?: { count: number; status: number }
  /** After its first `count` requests, the tenant reports `sha` (it rolled by itself after it was read). */
  shaAfter?: { count: number; sha: string }
  /** Its health path: the n-th check answers `statuses[n]` (the last one from then on), with `body` when given. */
  health?: { statuses: readonly number[]; body?: string }
}

export interface FleetStats {
  /** Requests served since start (or the last resetStats). */
  requests: number
  /** Connections accepted. */
  connectionsOpened: number
  /** Most connections open at the same time. */
  maxConnections: number
  /** Connections open now. */
  openConnections: number
}

export interface FakeFleet {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  url(name: string): string
  /** The tenant's health check, `…/t/<name>/healthz`. */
  healthUrl(name: string): string
  tenants(names: readonly string[]): Tenant[]
  set(name: string, behaviour: TenantBehaviour): void
  /** Commit every tenant without its own `sha`/`schedule` reports. */
  setDefaultSha(sha: string): void
  /** Buildinfo requests served for one tenant. */
  requests(name: string): number
  /** Health checks served for one tenant. */
  healthChecks(name: string): number
  stats(): FleetStats
  resetStats(): void
  close(): Promise<void>
}

export interface FakeFleetOptions {
  sha: string
  /** Drives `schedule`; default: the real clock. */
  clock?: { now(): number }
  port?: number
}

const ROUTE = /^\/t\/([^/]+)\/buildinfo$/
const HEALTH_ROUTE = /^\/t\/([^/]+)\/healthz$/

export async function startFakeFleet(options: FakeFleetOptions): Promise<FakeFleet> {
  const clock = options.clock ?? { now: () => Date.now() }
  let defaultSha = options.sha
  const behaviours = new Map<string, TenantBehaviour>()
  const perTenant = new Map<string, number>()
  const sockets = new Set<Socket>()
  const stats: FleetStats = { requests: 0, connectionsOpened: 0, maxConnections: 0, openConnections: 0 }

  const reportedSha = (b: TenantBehaviour): string => {
    let sha = b.sha ?? defaultSha
    for (const step of b.schedule ?? []) if (clock.now() >= step.from) sha = step.sha
    return sha
  }

  const answer = (b: TenantBehaviour, res: ServerResponse): void => {
    if (b.reset) {
      res.socket?.destroy()
      return
    }
    if (b.hang) return
    if (b.status !== undefined) {
      res.writeHead(b.status, { 'content-type': 'application/json' }).end('{"error":"fake fleet says no"}')
      return
    }
    if (b.body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(b.body)
      return
    }
    if (b.oversized) {
      const text = JSON.stringify({ sha: reportedSha(b), padding: 'x'.repeat(Math.max(0, b.oversized.bytes - 60)) })
      const headers: Record<string, string | number> = { 'content-type': 'application/json' }
      if (b.oversized.declared) headers['content-length'] = Buffer.byteLength(text)
      res.writeHead(200, headers)
      // Several writes, so an undeclared body arrives in chunks as a real one would.
      for (let i = 0; i < text.length; i += 16_384) res.write(text.slice(i, i + 16_384))
      res.end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [b.field ?? 'sha']: reportedSha(b) }))
  }

  const healthChecks = new Map<string, number>()
  const answerHealth = (name: string, res: ServerResponse): void => {
    const seen = healthChecks.get(name) ?? 0
    healthChecks.set(name, seen + 1)
    const health = behaviours.get(name)?.health
    const status = health ? health.statuses[Math.min(seen, health.statuses.length - 1)] : 200
    res.writeHead(status, { 'content-type': 'application/json' }).end(health?.body ?? '{"status":"ok"}')
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const health = HEALTH_ROUTE.exec(req.url ?? '')
    if (health) return answerHealth(decodeURIComponent(health[1]), res)
    const match = ROUTE.exec(req.url ?? '')
    if (!match) {
      res.writeHead(404).end()
      return
    }
    const name = decodeURIComponent(match[1])
    stats.requests++
    perTenant.set(name, (perTenant.get(name) ?? 0) + 1)
    const found = behaviours.get(name) ?? {}
    const seen = perTenant.get(name)!
    const b =
      found.blip && seen <= found.blip.count
        ? { status: found.blip.status }
        : found.downAfter && seen > found.downAfter.count
          ? { status: found.downAfter.status }
          : found.shaAfter && seen > found.shaAfter.count
            ? { ...found, sha: found.shaAfter.sha }
            : found
    if (b.delayMs) setTimeout(() => answer(b, res), b.delayMs)
    else answer(b, res)
  }

  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handle)
  server.on('connection', (socket) => {
    sockets.add(socket)
    stats.connectionsOpened++
    stats.openConnections++
    stats.maxConnections = Math.max(stats.maxConnections, stats.openConnections)
    socket.on('close', () => {
      sockets.delete(socket)
      stats.openConnections--
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const url = (name: string): string => `${origin}/t/${encodeURIComponent(name)}/buildinfo`

  return {
    origin,
    url,
    healthUrl: (name) => `${origin}/t/${encodeURIComponent(name)}/healthz`,
    tenants: (names) => names.map((name) => ({ name, url: url(name) })),
    set: (name, behaviour) => void behaviours.set(name, behaviour),
    setDefaultSha: (sha) => void (defaultSha = sha),
    requests: (name) => perTenant.get(name) ?? 0,
    healthChecks: (name) => healthChecks.get(name) ?? 0,
    stats: () => ({ ...stats }),
    resetStats() {
      stats.requests = 0
      stats.connectionsOpened = 0
      stats.maxConnections = stats.openConnections
      perTenant.clear()
      healthChecks.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
