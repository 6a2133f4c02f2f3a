import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseJson, sendJson, startLocalServer, type LocalServer } from './http.js'

/**
 * The demo's fleet and its control plane, on one server:
 *   GET  /t/<name>/buildinfo   → {"sha": <commit the tenant runs>}
 *   POST /redeploy/<name>      → 202; the tenant restarts on the image's commit after its restart time
 * A tenant can be slow to restart (it drains its old container) or wedged (it accepts the redeploy
 * and never restarts). The control plane asks the registry which commit a tag was built from, as a
 * real one pulls the image.
 */
export interface FleetOptions {
  readonly tenants: readonly string[]
  readonly sha: string
  /** Commit an image tag was built from; null when the registry does not have the tag. */
  readonly revisionOf: (tag: string) => string | null
  /** Bearer token the redeploy endpoint requires. */
  readonly token: string
  /** Time a tenant takes to restart, in ms. */
  readonly restartMs: number
}

export class SimulatedFleet {
  /** Redeploy requests received, by tenant, in order. */
  readonly redeploys: string[] = []
  private readonly running = new Map<string, string>()
  private readonly slow = new Map<string, number>()
  private readonly wedged = new Set<string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private server: LocalServer | null = null

  constructor(private readonly options: FleetOptions) {
    for (const name of options.tenants) this.running.set(name, options.sha)
  }

  get redeployUrl(): string {
    return `${this.origin}/redeploy/{tenant}`
  }

  buildinfoUrl(name: string): string {
    return `${this.origin}/t/${encodeURIComponent(name)}/buildinfo`
  }

  shaOf(name: string): string | undefined {
    return this.running.get(name)
  }

  /** Tenants and the commit each runs. */
  snapshot(): [string, string][] {
    return [...this.running]
  }

  restartsSlowly(name: string, ms: number): void {
    this.slow.set(name, ms)
  }

  /** The tenant runs `sha` and ignores every redeploy from now on. */
  wedge(name: string, sha: string): void {
    this.running.set(name, sha)
    this.wedged.add(name)
  }

  async start(): Promise<void> {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res))
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    await this.server?.close()
  }

  private get origin(): string {
    if (!this.server) throw new Error('the fleet is not started')
    return this.server.origin
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const buildinfo = /^\/t\/([^/]+)\/buildinfo$/.exec(path)
    if (buildinfo && req.method === 'GET') {
      const name = decodeURIComponent(buildinfo[1])
      const sha = this.running.get(name)
      return sha ? sendJson(res, 200, { sha, tenant: name }) : sendJson(res, 404, { error: 'no such tenant' })
    }
    const redeploy = /^\/redeploy\/([^/]+)$/.exec(path)
    if (redeploy && req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${this.options.token}`) return sendJson(res, 401, { error: 'bad token' })
      const name = decodeURIComponent(redeploy[1])
      const tag = String(parseJson(body).tag ?? '')
      const revision = this.options.revisionOf(tag)
      if (!this.running.has(name)) return sendJson(res, 404, { error: 'no such tenant' })
      if (!revision) return sendJson(res, 404, { error: 'no such image tag' })
      this.redeploys.push(name)
      if (!this.wedged.has(name)) this.restartLater(name, revision)
      return sendJson(res, 202, { accepted: true })
    }
    sendJson(res, 404, { error: 'not found' })
  }

  private restartLater(name: string, revision: string): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer)
        this.running.set(name, revision)
      },
      this.slow.get(name) ?? this.options.restartMs
    )
    this.timers.add(timer)
  }
}
