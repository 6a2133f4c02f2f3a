import type { Ancestry } from '../../src/types.js'
import { decodeLock } from '../../src/forge/lock-holder.js'
import { tagOf } from '../../src/forge/lock-gitea.js'
import { refOf } from '../../src/forge/lock-github.js'
import type { ForgeKind, LockHolder } from '../../src/forge/types.js'
import type { RouteAnswer } from '../support/fake-forge.js'
import { FakeGitea } from '../support/fake-gitea.js'
import { FakeGitHub } from '../support/fake-github.js'
import type { Random } from './sim-clock.js'
import type { SimAnswer, SimRequest, SimServer } from './sim-net.js'

/** The repository every run deploys from, and the token the runs are given. */
export const REPOSITORY = 'acme/fleet'
const [OWNER, REPO] = REPOSITORY.split('/') as [string, string]
const TOKEN = 'sim-token'

/** Per request, when faults are on: each independently. */
export interface ForgeFaults {
  /** A 5xx before the request is applied. */
  readonly unavailable: number
  /** A rate-limit refusal (GitHub: 429 with Retry-After, or 403 with x-ratelimit-remaining 0 until x-ratelimit-reset; Gitea: 429). */
  readonly rateLimited: number
  /** The connection fails before the request reaches the forge. */
  readonly dropped: number
  /** A write is applied and its answer is lost (reset, timeout or 502): the writer cannot tell. */
  readonly answerLost: number
}

/** Faults that last a whole run: they are what a run's token, its network path or the forge's mood is for that run. */
export interface RunForgeFaults {
  /** Every branch-head read fails (502): ownership fails open for the whole run. */
  readonly headUnreadable?: boolean
  /** 401: the token is refused on every call; 403: it may read but not write. */
  readonly auth?: 401 | 403 | null
  /** Every release of the lock by this run fails (503): the lock stays until the post step or the lease frees it. */
  readonly releaseFails?: boolean
}

/** One run's (or one post step's) traffic to the forge, as the checker counts it. */
export interface ForgeTraffic {
  requests: number
  /** Requests other than GET that reached the forge: lock changes, statuses, deployments (answered or not). */
  writes: number
  /** Those writes by endpoint (method and path, SHAs and ids elided), for a violation to name. */
  readonly written: Map<string, number>
  /** Answers refusing the token (the run-level auth fault). */
  refusals: number
  /** Writes answered by an injected fault (5xx, dropped, rate-limited, answer lost): each may be sent again. */
  faulted: number
}

/** What the forge tells the simulation at the moment a write takes effect. */
export interface ForgeWriteHooks {
  onStatus?(sha: string, state: string, context: string): void
  onDeployment?(sha: string): void
  /** The run's branch-head read was answered (true) or failed (false). */
  onHeadRead?(answered: boolean): void
  /** An injected fault reached the run: a rate-limit refusal, or a write whose answer was lost. */
  onFault?(fault: 'rate limited' | 'answer lost'): void
}

/** Where each forge is, as its runner presents it (act_runner: GITEA_ACTIONS, an /api/v1 API URL, no GraphQL URL). */
const SITES: Record<ForgeKind, { readonly apiUrl: string; readonly env: Readonly<Record<string, string>>; readonly headPath: string }> = {
  github: {
    apiUrl: 'https://api.github.com',
    env: { GITHUB_API_URL: 'https://api.github.com', GITHUB_SERVER_URL: 'https://github.com' },
    headPath: `/repos/${REPOSITORY}/git/ref/heads/main`
  },
  gitea: {
    apiUrl: 'https://gitea.sim/api/v1',
    env: { GITEA_ACTIONS: 'true', GITHUB_API_URL: 'https://gitea.sim/api/v1', GITHUB_SERVER_URL: 'https://gitea.sim', GITHUB_GRAPHQL_URL: '' },
    headPath: `/api/v1/repos/${REPOSITORY}/branches/main`
  }
}

/**
 * The forge every run of a schedule talks to: the fake GitHub or the fake Gitea of test/support (their
 * REST shapes, GitHub's GraphQL updateRefs, Gitea's tags and commit list), answering in process through
 * each run's SimDispatcher, so the real adapters (createForge, Octokit, the lock adapters) run. The forge
 * keeps its own clock (its `Date` header), which is neither true time nor any runner's. Faults are added
 * per request and per run (`server`). The checker reads the branch history and the lock from here.
 */
export class SimForge {
  readonly fake: FakeGitHub | FakeGitea
  readonly parents = new Map<string, string | null>()
  head = ''

  constructor(
    readonly kind: ForgeKind,
    /** The forge's clock. */
    private readonly now: () => number
  ) {
    this.fake =
      kind === 'github' ? new FakeGitHub({ owner: OWNER, repo: REPO, token: TOKEN, now }) : new FakeGitea({ owner: OWNER, repo: REPO, token: TOKEN, now })
    this.fake.answerAs(this.origin)
  }

  /** The origin the runs' dispatchers route to this forge. */
  get origin(): string {
    return new URL(SITES[this.kind].apiUrl).origin
  }

  /** The runner's environment for this forge. */
  get env(): Readonly<Record<string, string>> {
    return SITES[this.kind].env
  }

  get token(): string {
    return TOKEN
  }

  /** A commit pushed on top of the deploy branch. */
  push(sha: string): void {
    this.parents.set(sha, this.head || null)
    this.head = sha
    this.fake.pushCommit('main', sha)
  }

  /** True when `a` is a strict ancestor of `b`. */
  isAncestor(a: string, b: string): boolean {
    for (let c = this.parents.get(b) ?? null; c; c = this.parents.get(c) ?? null) if (c === a) return true
    return false
  }

  compare(base: string, head: string): Ancestry {
    if (base === head) return 'identical'
    if (this.isAncestor(base, head)) return 'ahead'
    if (this.isAncestor(head, base)) return 'behind'
    return 'diverged'
  }

  /** A status another environment's run wrote on a commit (e.g. the gate's upstream record). */
  record(sha: string, context: string, state: string): void {
    this.answer('POST', `/repos/${REPOSITORY}/statuses/${sha}`, { state, context, description: 'upstream', target_url: '' })
  }

  /** Who holds the lock now, read from the forge's own refs or tags (the checker's view, no fault, no time). */
  lockHolder(environment: string): LockHolder | null {
    if (this.kind === 'github') {
      const ref = this.json<{ object?: { sha?: string } }>('GET', `/repos/${REPOSITORY}/git/ref/${refOf(environment).slice('refs/'.length)}`)
      const sha = ref?.object?.sha
      return sha ? decodeLock(this.json<{ message?: string }>('GET', `/repos/${REPOSITORY}/git/commits/${sha}`)?.message).holder : null
    }
    const prefix = `refs/tags/${tagOf(environment, '')}`
    const found = this.json<unknown>('GET', `/repos/${REPOSITORY}/git/${prefix}`)
    const refs = (Array.isArray(found) ? found : found ? [found] : []) as { ref: string; object: { sha: string } }[]
    const newest = refs
      .map((r) => ({ n: Number(r.ref.slice(prefix.length)), sha: r.object.sha }))
      .filter((g) => Number.isInteger(g.n))
      .sort((a, b) => b.n - a.n)[0]
    return newest ? decodeLock(this.json<{ message?: string }>('GET', `/repos/${REPOSITORY}/git/tags/${newest.sha}`)?.message).holder : null
  }

  /**
   * One run's forge: the fake's answers with that run's faults (its token refused, its head unreadable, its
   * release failing) and random ones (5xx, rate limits, dropped connections, writes whose answer is lost).
   */
  server(options: {
    readonly random: Random
    readonly faults: ForgeFaults | null
    readonly run: RunForgeFaults
    readonly traffic: ForgeTraffic
    readonly hooks?: ForgeWriteHooks
  }): SimServer {
    return (req) => {
      const sent = this.answerRun(req, options)
      if (req.method === 'GET' && pathOf(new URL(req.path, this.origin)) === SITES[this.kind].headPath) {
        options.hooks?.onHeadRead?.(!('error' in sent) && (sent.status === 200 || sent.status === 304))
      }
      return sent
    }
  }

  private answerRun(req: SimRequest, options: Parameters<SimForge['server']>[0]): SimAnswer {
    const { random, faults, run, traffic, hooks } = options
    const github = this.kind === 'github'
    traffic.requests++
    const write = req.method !== 'GET'
    const url = new URL(req.path, this.origin)
    if (write) {
      traffic.writes++
      const endpoint = `${req.method} ${url.pathname.replace(/[0-9a-f]{40}|\/\d+(?=\/|$)/g, (m) => (m.startsWith('/') ? '/{id}' : '{sha}'))}`
      traffic.written.set(endpoint, (traffic.written.get(endpoint) ?? 0) + 1)
    }
    const body = parseBody(req.body)
    const graphql = url.pathname === '/graphql'
    if (run.auth && (run.auth === 401 || write)) {
      traffic.refusals++
      if (run.auth === 401) return this.sim(this.fake.handle({ ...requestOf(req, url, body), headers: { ...req.headers, authorization: 'token revoked' } }))
      if (graphql)
        return this.sim({
          status: 200,
          body: { data: { updateRefs: null }, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] }
        })
      return this.sim(
        github
          ? this.fake.error(403, 'Resource not accessible by integration')
          : this.fake.error(403, 'token does not have at least one of required scope(s): [write:repository]')
      )
    }
    if (run.headUnreadable && req.method === 'GET' && pathOf(url) === SITES[this.kind].headPath) return this.sim(this.fake.error(502, 'Bad Gateway'))
    const fault = (): void => void (write && traffic.faulted++)
    if (run.releaseFails && isRelease(pathOf(url), body)) {
      fault()
      return this.sim(this.fake.error(503, 'Service Unavailable'))
    }
    if (faults) {
      if (random.chance(faults.dropped)) {
        fault()
        return { error: random.pick(['reset', 'deadline'] as const) }
      }
      if (random.chance(faults.unavailable)) {
        fault()
        return this.sim(this.fake.error(random.pick([500, 502, 503]), 'Service Unavailable'))
      }
      if (random.chance(faults.rateLimited)) {
        fault()
        hooks?.onFault?.('rate limited')
        return this.sim(this.rateLimit(random))
      }
    }
    const answer = this.fake.handle(requestOf(req, url, body))
    if (write && answer.status === 201) this.told(pathOf(url), body, hooks)
    if (write && faults && random.chance(faults.answerLost)) {
      fault()
      hooks?.onFault?.('answer lost')
      return random.chance(0.5) ? { error: random.pick(['reset', 'deadline'] as const) } : this.sim(this.fake.error(502, 'Bad Gateway'))
    }
    return this.sim(answer)
  }

  /** GitHub's two rate limits (primary: 403 until x-ratelimit-reset on the forge's clock; secondary: 429 with Retry-After); Gitea behind a proxy: 429. */
  private rateLimit(random: Random): RouteAnswer {
    const seconds = random.int(1, 8)
    if (this.kind === 'github' && random.chance(0.5)) {
      const reset = Math.floor(this.now() / 1000) + seconds
      const refused = this.fake.error(403, 'API rate limit exceeded for installation ID 1.')
      return {
        ...refused,
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-resource': 'core' }
      }
    }
    const message = this.kind === 'github' ? 'You have exceeded a secondary rate limit.' : 'Too Many Requests'
    return { ...this.fake.error(429, message), headers: { 'retry-after': String(seconds) } }
  }

  /** The forge's answer as the network carries it; an injected fault carries the forge's `Date` too. */
  private sim(answer: RouteAnswer): SimAnswer {
    return toSim(answer, new Date(this.now()).toUTCString())
  }

  private told(path: string, body: unknown, hooks: ForgeWriteHooks | undefined): void {
    const status = /\/statuses\/([0-9a-f]{40})$/.exec(path)
    const fields = (body ?? {}) as { state?: unknown; context?: unknown; ref?: unknown }
    if (status && !path.includes('/deployments/')) hooks?.onStatus?.(status[1]!, String(fields.state), String(fields.context))
    if (/\/deployments$/.test(path)) hooks?.onDeployment?.(String(fields.ref))
  }

  private answer(method: string, path: string, body: unknown): RouteAnswer {
    const prefix = this.kind === 'gitea' ? '/api/v1' : ''
    return this.fake.handle({ method, path: `${prefix}${path}`, query: new URLSearchParams(), headers: { authorization: `token ${TOKEN}` }, body })
  }

  private json<T>(method: string, path: string): T | null {
    const answer = this.answer(method, path, undefined)
    return answer.status === 200 ? (answer.body as T) : null
  }
}

/** A lock release writes a record saying released: GitHub as a commit (then points the ref at it), Gitea as a generation tag. */
function isRelease(path: string, body: unknown): boolean {
  const message = (body as { message?: unknown } | undefined)?.message
  return (path.endsWith('/git/commits') || path.endsWith('/tags')) && typeof message === 'string' && message.includes('"released":true')
}

function parseBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined
  const text = bytes.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function requestOf(req: Pick<SimRequest, 'method' | 'headers' | 'body'>, url: URL, body: unknown) {
  return { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body }
}

function toSim(answer: RouteAnswer, date: string): SimAnswer {
  const text = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body))
  const headers: Record<string, string> = { date, ...answer.headers }
  if (text && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8'
  return { status: answer.status, headers, body: answer.status === 304 ? '' : text }
}

/** The path as the forge routes it: the clients escape a ref's slashes (`heads%2Fmain`), the forges decode them. */
function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname)
}
