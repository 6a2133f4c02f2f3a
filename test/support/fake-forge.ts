/**
 * What the fake GitHub and the fake Gitea share: an in-process HTTP server on 127.0.0.1 with a route
 * table, a commit graph with branches and tags, commit statuses, a log of requests (authorization
 * removed), and fault injection. Each fake adds its own routes, auth rule, error body and headers.
 *
 * Test API (on both fakes):
 *   await fake.start() → base URL;  await fake.close()
 *   fake.addCommit(sha, parents)  fake.setBranch(name, sha)  fake.pushCommit(branch, sha)  fake.setTag(name, sha)
 *   fake.requests: RecordedRequest[]   fake.requestsTo(regex)
 *   fake.failNext(pathRegex, fault, times = 1): fault is {status, headers?, body?} | {hang: true} | {reset: true}
 *     | {afterWrite: {status} | {reset: true} | {hang: true}}: the request is applied, then its answer is lost (an
 *     ambiguous write) or never comes (the caller is killed before it sees it)
 *   fake.statuses(sha): stored statuses, oldest first
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  /** Lower-cased names; `authorization` is replaced by its scheme only. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export type Fault =
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown }
  | { readonly hang: true }
  | { readonly reset: true }
  | { readonly afterWrite: { readonly status: number } | { readonly reset: true } | { readonly hang: true } }

export interface RouteRequest {
  readonly method: string
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export interface RouteAnswer {
  readonly status: number
  /** JSON-encoded unless `text` is given. */
  readonly body?: unknown
  readonly text?: string
  readonly headers?: Readonly<Record<string, string>>
}

type Handler = (req: RouteRequest) => RouteAnswer

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly names: readonly string[]
  readonly handler: Handler
}

export interface StoredStatus {
  readonly id: number
  /** Per-commit sequence, as Gitea's `index`. */
  readonly index: number
  readonly state: string
  readonly description: string
  readonly targetUrl: string
  readonly context: string
  /** Milliseconds since the epoch, from the fake's clock. */
  readonly createdAt: number
}

export abstract class FakeForgeServer {
  readonly requests: RecordedRequest[] = []
  /** `METHOD template` of every route the fake serves (the API descriptions' coverage counts them). */
  readonly served: string[] = []
  protected readonly parents = new Map<string, readonly string[]>()
  /** Insertion order of commits, the fake's notion of commit date. */
  protected readonly order = new Map<string, number>()
  protected readonly branches = new Map<string, string>()
  protected readonly tags = new Map<string, string>()
  protected readonly statusesBySha = new Map<string, StoredStatus[]>()
  private readonly routes: Route[] = []
  private readonly faults: { pattern: RegExp; fault: Fault; left: number }[] = []
  private readonly sockets = new Set<Socket>()
  private server: http.Server | null = null
  private nextStatusId = 1
  protected baseUrl = ''

  /**
   * @param now the fake's clock (share the test's virtual clock so rate-limit resets and timestamps move with it)
   * @param apiPrefix path of the API root on the server ('' for GitHub, '/api/v1' for Gitea)
   */
  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly token: string,
    protected readonly now: () => number,
    private readonly apiPrefix: string
  ) {}

  // ---- test API: graph, refs, faults ----

  addCommit(sha: string, parents: readonly string[] = []): void {
    const full = sha.toLowerCase()
    for (const parent of parents) if (!this.parents.has(parent)) throw new Error(`unknown parent ${parent}`)
    this.parents.set(
      full,
      parents.map((p) => p.toLowerCase())
    )
    this.order.set(full, this.order.size)
  }

  setBranch(name: string, sha: string): void {
    this.branches.set(name, sha.toLowerCase())
  }

  setTag(name: string, sha: string): void {
    this.tags.set(name, sha.toLowerCase())
  }

  /** A new commit on top of the branch (its current head as parent), and the branch moved to it. */
  pushCommit(branch: string, sha: string): void {
    const head = this.branches.get(branch)
    this.addCommit(sha, head ? [head] : [])
    this.setBranch(branch, sha)
  }

  branchHead(name: string): string | undefined {
    return this.branches.get(name)
  }

  statuses(sha: string): readonly StoredStatus[] {
    return this.statusesBySha.get(sha.toLowerCase()) ?? []
  }

  /** The next `times` requests whose path matches answer with the fault instead of the route. */
  failNext(path: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ pattern: path, fault, left: times })
  }

  requestsTo(path: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => path.test(r.path) && (!method || r.method === method))
  }

  get url(): string {
    return this.baseUrl
  }

  /** API root the adapters are given (`http://127.0.0.1:port` + prefix). */
  get apiUrl(): string {
    return `${this.baseUrl}${this.apiPrefix}`
  }

  /** Answering in process only (handle): the origin its answers' URLs name, as a listening server's would. */
  answerAs(origin: string): void {
    this.baseUrl = origin
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.dispatch(req, res))
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this.apiUrl
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = null
    this.closed()
  }

  /** After close(): a fake may throw here about what it saw (e.g. exchanges its forge's description forbids). */
  protected closed(): void {}

  // ---- for the fakes ----

  /** Registers a route; `{name}` matches one segment, `{name+}` the rest of the path (slashes included). */
  protected route(method: string, template: string, handler: Handler): void {
    this.served.push(`${method} ${template}`)
    const names: string[] = []
    const source = template.replace(/[.*?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)(\+?)\}/g, (_m, name: string, rest: string) => {
      names.push(name)
      return rest ? '(.+)' : '([^/]+)'
    })
    this.routes.push({ method, pattern: new RegExp(`^${this.apiPrefix}${source}$`), names, handler })
  }

  protected repoTemplate(rest: string): string {
    return `/repos/{owner}/{repo}${rest}`
  }

  protected isThisRepo(params: Readonly<Record<string, string>>): boolean {
    return params.owner === this.owner && params.repo === this.repo
  }

  /** Full SHA for a full or unambiguous short SHA (4+ hex), else undefined. */
  protected resolveSha(ref: string): string | undefined {
    const lower = ref.toLowerCase()
    if (!/^[0-9a-f]{4,64}$/.test(lower)) return undefined
    const matches = [...this.parents.keys()].filter((sha) => sha.startsWith(lower))
    return matches.length === 1 ? matches[0] : undefined
  }

  /** Branch, tag, or SHA (the order git uses for an ambiguous name). */
  protected resolveRef(ref: string): string | undefined {
    return this.branches.get(ref) ?? this.tags.get(ref) ?? this.resolveSha(ref)
  }

  /** Every commit reachable from `sha`, itself included. */
  protected reachable(sha: string): Set<string> {
    const seen = new Set<string>()
    const stack = [sha]
    while (stack.length) {
      const next = stack.pop()!
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(...(this.parents.get(next) ?? []))
    }
    return seen
  }

  /** `git log from --not not`: reachable from `from` and not from `not`, newest first. */
  protected log(from: string, not?: string): string[] {
    const excluded = not ? this.reachable(not) : new Set<string>()
    return [...this.reachable(from)].filter((sha) => !excluded.has(sha)).sort((a, b) => this.order.get(b)! - this.order.get(a)!)
  }

  protected addStatus(sha: string, fields: Omit<StoredStatus, 'id' | 'index' | 'createdAt'>): StoredStatus {
    const list = this.statusesBySha.get(sha) ?? []
    const status: StoredStatus = { ...fields, id: this.nextStatusId++, index: list.length + 1, createdAt: this.now() }
    list.push(status)
    this.statusesBySha.set(sha, list)
    return status
  }

  /** Weak ETag over the exact body, as both GitHub and many proxies send. */
  protected etagOf(text: string): string {
    return `W/"${createHash('sha1').update(text).digest('hex')}"`
  }

  /** Before routing: null lets the request through; otherwise the answer to send (401, a spent rate limit). */
  protected abstract admit(req: RouteRequest): RouteAnswer | null
  /** The forge's error body. */
  protected abstract errorBody(status: number, message: string): unknown
  /** Adds forge headers (rate limits, ETag/304) to every answer, and may turn a 200 into a 304. */
  protected abstract finish(req: RouteRequest, answer: RouteAnswer): RouteAnswer

  /** The forge's error answer (public: the simulation answers its injected faults in the forge's own words). */
  error(status: number, message: string, extra?: Record<string, unknown>): RouteAnswer {
    const body = this.errorBody(status, message)
    return { status, body: extra ? { ...(body as object), ...extra } : body }
  }

  // ---- dispatch ----

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const raw = await readBody(req)
    let body: unknown = undefined
    if (raw) {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue
      headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    const recorded = { ...headers }
    if (recorded.authorization) recorded.authorization = recorded.authorization.split(/\s+/)[0] ?? ''
    const path = url.pathname
    // A ref's slashes may arrive escaped (Octokit's `{ref}`), which both forges read as slashes: the log
    // and the faults see the path as the forge reads it; routes match the raw path, segment by segment.
    const readPath = decodeURIComponent(path)
    this.requests.push({ method: req.method ?? 'GET', path: readPath, query: url.searchParams, headers: recorded, body })

    const taken = this.takeFault(readPath)
    const lostAnswer = taken && 'afterWrite' in taken ? taken.afterWrite : undefined
    const fault = lostAnswer ? undefined : (taken as Exclude<Fault, { afterWrite: unknown }> | undefined)
    if (fault && 'hang' in fault) return
    if (fault && 'reset' in fault) {
      req.socket.destroy()
      return
    }
    if (fault) {
      this.reply(res, {
        status: fault.status,
        headers: fault.headers,
        body: fault.body ?? this.errorBody(fault.status, http.STATUS_CODES[fault.status] ?? 'error')
      })
      return
    }

    const answer = this.handle({ method: req.method ?? 'GET', path, query: url.searchParams, headers, body })
    if (lostAnswer && 'hang' in lostAnswer) return
    if (lostAnswer && 'reset' in lostAnswer) req.socket.destroy()
    else if (lostAnswer)
      this.reply(res, { status: lostAnswer.status, body: this.errorBody(lostAnswer.status, http.STATUS_CODES[lostAnswer.status] ?? 'error') })
    else send(res, answer)
  }

  /**
   * The forge's answer to one request, in process: admission, the route, the forge's own headers and its
   * `Date`. The HTTP server sends it; the seeded simulation calls it through its in-process network.
   */
  handle(req: Omit<RouteRequest, 'params'>): RouteAnswer {
    const { method, path } = req
    const plain: RouteRequest = { ...req, params: {} }
    const denied = this.admit(plain)
    if (denied) return this.dated(this.finish(plain, denied))
    for (const route of this.routes) {
      if (route.method !== method) continue
      const match = route.pattern.exec(path)
      if (!match) continue
      const params: Record<string, string> = {}
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)))
      const routeReq: RouteRequest = { ...req, params }
      if ('owner' in params && !this.isThisRepo(params)) return this.dated(this.finish(routeReq, this.error(404, 'Not Found')))
      return this.dated(this.finish(routeReq, route.handler(routeReq)))
    }
    return this.dated(this.finish(plain, this.error(404, 'Not Found')))
  }

  /** Every answer carries the fake's time in a `Date` header, as real forges send it. */
  private dated(answer: RouteAnswer): RouteAnswer {
    return { ...answer, headers: { date: new Date(this.now()).toUTCString(), ...answer.headers } }
  }

  private reply(res: http.ServerResponse, answer: RouteAnswer): void {
    send(res, this.dated(answer))
  }

  private takeFault(path: string): Fault | undefined {
    const entry = this.faults.find((f) => f.left > 0 && f.pattern.test(path))
    if (!entry) return undefined
    entry.left--
    return entry.fault
  }
}

function send(res: http.ServerResponse, answer: RouteAnswer): void {
  const text = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body))
  const headers: Record<string, string> = { ...answer.headers }
  if (text && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json; charset=utf-8'
  }
  res.writeHead(answer.status, headers)
  res.end(answer.status === 304 ? undefined : text)
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
