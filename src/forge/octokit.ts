import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'
import Bottleneck from 'bottleneck/light.js'
import { fetch as undiciFetch, type Dispatcher } from 'undici'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { classifyError, describeError, FleetError, HttpStatusError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { networkRetryable } from '../util/retry-policy.js'
import { registerSecret } from '../util/scrub.js'
import { AccessDeniedError, DEFAULT_TUNING, RateLimitedError, rateLimitWaitSeconds, type ForgeHttpTuning } from './http.js'
import type { ForgeClock } from './forge-clock.js'
import type { ForgeCallCounter } from './types.js'

/**
 * GitHub through Octokit: `@octokit/rest` with `@octokit/plugin-throttling` (GitHub's primary and
 * secondary rate limits: 403/429 with Retry-After, x-ratelimit-remaining: 0 until x-ratelimit-reset, or
 * "wait at least a minute" when a secondary limit names no wait) and `@octokit/plugin-retry` (5xx and
 * network failures). Network and time stay injected:
 * - `request.fetch` is undici's fetch bound to the injected dispatcher (default: the run's proxy-aware
 *   one, src/util/dispatcher.ts), with a deadline per attempt and a body size limit; it also counts
 *   every request sent.
 * - The plugins decide whether to retry; every wait happens on the injected clock. Their own timers are
 *   scaled to zero (`retryAfterBaseValue: 0`): the rate-limit handlers sleep the wait GitHub asked for
 *   (primary: until x-ratelimit-reset on the injected clock, plus a second), and the attempt hook below
 *   sleeps the backoff before a retried attempt. A wait longer than `maxRateLimitWaitMs` is not waited:
 *   the request fails `rate_limited`.
 * - A request that is not idempotent (a POST that creates) is retried only when it provably never
 *   reached the server (dns, refused, connect timeout) or was refused by a rate limit.
 * - Conditional reads: the last ETag of a URL goes out as If-None-Match; the 304 (a RequestError with
 *   status 304) returns the cached body and counts as `notModified`.
 * Errors become FleetErrors naming the endpoint (method and path), with remote text neutralized and the
 * token redacted.
 */
export interface GitHubClientOptions {
  /** REST root: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly baseUrl: string
  readonly token: string
  readonly clock: Clock
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /** Cancels requests and waits. */
  readonly signal?: AbortSignal
  readonly tuning?: Partial<ForgeHttpTuning>
  /** The permission a request needs, named in the error when GitHub answers 403 without a rate limit. */
  readonly permissionFor?: (req: { readonly method: GitHubMethod; readonly path: string }) => string
  /** Learns GitHub's time from the `Date` header of every answer (the lock's leases are judged on it). */
  readonly forgeClock?: ForgeClock
}

type GitHubMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export interface GitHubCall {
  /** Query parameters (GET) or the JSON body (other methods). */
  readonly query?: Readonly<Record<string, string | number>>
  readonly body?: unknown
  readonly accept?: string
  /** GET only: revalidate with the last ETag of this URL and reuse its body on 304. */
  readonly conditional?: boolean
  /** Defaults: GET, PUT and DELETE yes; POST and PATCH no. */
  readonly idempotent?: boolean
}

export interface GitHubAnswer<T> {
  readonly status: number
  readonly data: T
}

const API_VERSION = '2022-11-28'
/** A secondary rate limit that names no wait: GitHub asks to wait at least one minute. */
const SECONDARY_FALLBACK_SECONDS = 60
/** Rate limits belong to the throttling plugin; the rest are answers a retry does not change. */
const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451]

/** What the attempt hook keeps across the attempts of one request (on its `request` options). */
interface AttemptState {
  readonly idempotent: boolean
  /** Retries of this request so far (backoff doubles with each). */
  retries: number
  /** The wait before the next attempt, decided when the last one failed; null: none (the rate-limit handler waited). */
  nextWaitMs: number | null
  /** Headers of the last answer, for the rate-limit handlers. */
  lastHeaders: Readonly<Record<string, string>>
}

interface RequestOptions {
  method: string
  url: string
  request: { fleetForward?: AttemptState; retries?: number }
}

/**
 * Registers the attempt hook given in the options before the throttling and retry plugins, so it runs
 * inside them: once per attempt, on the same request options they keep their counts on.
 */
function attemptHook(octokit: Pick<Octokit, 'hook'>, options: object): Record<string, never> {
  const hook = (options as { attemptHook?: AttemptHook }).attemptHook
  if (hook) octokit.hook.wrap('request', hook as never)
  return {}
}
type AttemptHook = (request: (options: RequestOptions) => Promise<unknown>, options: RequestOptions) => Promise<unknown>

const FleetOctokit = Octokit.plugin(attemptHook, throttling, retry)
/** Clients created in this process, for their throttling ids. */
let clients = 0
type FleetOctokitInstance = InstanceType<typeof FleetOctokit>

interface CachedRead {
  readonly etag: string
  readonly answer: GitHubAnswer<unknown>
}

export class GitHubClient {
  readonly calls: ForgeCallCounter = { requests: 0, notModified: 0 }
  readonly octokit: FleetOctokitInstance
  private readonly tuning: ForgeHttpTuning
  private readonly etags = new Map<string, CachedRead>()

  constructor(private readonly options: GitHubClientOptions) {
    registerSecret(options.token)
    const tuning = (this.tuning = { ...DEFAULT_TUNING, ...options.tuning })
    const waitOut = (seconds: number, retryCount: number): Promise<boolean> => this.waitOutRateLimit(seconds, retryCount)
    const quiet = (): void => undefined
    this.octokit = new FleetOctokit({
      auth: options.token,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      userAgent: 'fleet-forward',
      request: { fetch: this.fetchOnce.bind(this), signal: options.signal },
      // Failures reach the caller as FleetErrors; nothing is printed behind its back.
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      throttle: {
        retryAfterBaseValue: 0,
        fallbackSecondaryRateRetryAfter: SECONDARY_FALLBACK_SECONDS,
        // Writes one at a time, as GitHub asks; a run makes a handful, so they are not also spaced apart.
        write: new Bottleneck.Group({ maxConcurrent: 1 }),
        // The plugin's limit of ten requests at once is kept per id in one limiter for the whole process: with
        // the default id, a client whose requests hang would hold every slot and stall all others. One id each.
        id: `fleet-forward-${++clients}`,
        // The handlers' typings say void, but the plugin awaits them (Bottleneck's Events.trigger) and retries
        // when they resolve true. The plugin measures x-ratelimit-reset against the runner's Date.now(); the
        // wait is measured and taken on the injected clock.
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        onRateLimit: (seconds: number, request: object, _octokit: unknown, retryCount: number) => {
          const reset = rateLimitWaitSeconds((request as RequestOptions).request.fleetForward?.lastHeaders ?? {}, this.options.clock.now())
          return waitOut(reset ?? seconds, retryCount)
        },
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        onSecondaryRateLimit: (seconds: number, _request: object, _octokit: unknown, retryCount: number) => waitOut(seconds, retryCount)
      },
      retry: { retries: tuning.attempts - 1, retryAfterBaseValue: 0, doNotRetry: DO_NOT_RETRY },
      attemptHook: (request: (options: RequestOptions) => Promise<unknown>, options: RequestOptions) => this.attempt(request, options)
    })
  }

  /** One request; `path` is below the API root with its segments already encoded. */
  async call<T>(method: GitHubMethod, path: string, call: GitHubCall = {}): Promise<GitHubAnswer<T>> {
    const endpoint = `${method} ${path}`
    const accept = call.accept ?? 'application/vnd.github+json'
    const cacheKey = `${accept} ${path}?${new URLSearchParams(Object.entries(call.query ?? {}).map(([k, v]): [string, string] => [k, String(v)]))}`
    const cached = call.conditional && method === 'GET' ? this.etags.get(cacheKey) : undefined
    try {
      const res = await this.octokit.request(`${method} ${path}`, {
        ...call.query,
        ...(call.body === undefined ? {} : { data: call.body }),
        headers: { accept, 'x-github-api-version': API_VERSION, ...(cached ? { 'if-none-match': cached.etag } : {}) },
        request: attemptOptions(call.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE'))
      })
      const answer: GitHubAnswer<T> = { status: res.status, data: res.data as T }
      const etag = res.headers.etag
      if (call.conditional && method === 'GET' && etag) this.etags.set(cacheKey, { etag, answer })
      return answer
    } catch (error) {
      if (cached && (error as { status?: unknown }).status === 304) {
        this.calls.notModified++
        return cached.answer as GitHubAnswer<T>
      }
      throw this.toFleetError(error, endpoint, { method, path })
    }
  }

  /** A GraphQL mutation (not repeated once sent) at the API's GraphQL root, which Octokit derives from the REST root. */
  async graphql<T>(query: string, variables: Record<string, unknown>, endpoint: string): Promise<T> {
    try {
      return await this.octokit.graphql<T>(query, { ...variables, headers: { 'x-github-api-version': API_VERSION }, request: attemptOptions(false) })
    } catch (error) {
      const errors = (error as { errors?: { message?: unknown; type?: unknown }[] }).errors
      if (Array.isArray(errors) && errors.length) {
        const detail = this.safe(String(errors[0]?.message ?? 'error'))
        // A token without the permission gets a 200 whose errors say FORBIDDEN: no retry fixes it.
        if (errors.some((e) => e.type === 'FORBIDDEN'))
          throw new AccessDeniedError(403, endpoint, detail, this.options.permissionFor?.({ method: 'POST', path: '/graphql' }))
        throw new FleetError(`${endpoint} answered: ${detail}`, 'forge', endpoint)
      }
      throw this.toFleetError(error, endpoint, { method: 'POST', path: '/graphql' })
    }
  }

  /**
   * Innermost hook, once per attempt (the plugins re-enter it on every retry): sleeps the wait the last
   * failure called for, and decides whether a failure the retry plugin would repeat may be repeated.
   */
  private async attempt(request: (options: RequestOptions) => Promise<unknown>, options: RequestOptions): Promise<unknown> {
    const state = options.request.fleetForward
    if (!state) return request(options)
    if (state.nextWaitMs !== null) await this.options.clock.sleep(state.nextWaitMs, this.options.signal)
    state.nextWaitMs = null
    try {
      const answer = await request(options)
      // A GraphQL rate limit arrives as a 200 whose errors say RATE_LIMITED: its headers carry the reset.
      state.lastHeaders = (answer as { headers?: Record<string, string> }).headers ?? {}
      return answer
    } catch (error) {
      const response = (error as { response?: { headers?: Record<string, string> } }).response
      state.lastHeaders = response?.headers ?? {}
      const status = (error as { status?: unknown }).status
      const retryable = response
        ? typeof status === 'number' && status >= 500 && state.idempotent
        : networkRetryable(classifyError((error as { cause?: unknown }).cause ?? error), state.idempotent)
      if (retryable) {
        const asked = response ? rateLimitWaitSeconds(state.lastHeaders, this.options.clock.now()) : undefined
        const wait = asked === undefined ? this.backoff(state.retries) : asked * 1000
        if (wait <= this.tuning.maxRateLimitWaitMs) {
          state.nextWaitMs = wait
          state.retries++
          options.request.retries = this.tuning.attempts - 1
          throw error
        }
      }
      // Not to be repeated: a 5xx to a request that is not idempotent, a network failure that may have
      // reached GitHub, a wait beyond the bound. Other answers are the plugins' to judge (rate limits, doNotRetry).
      if (!(typeof status === 'number' && status < 500 && response)) options.request.retries = 0
      throw error
    }
  }

  /** The throttling plugin's handlers: wait on the injected clock within the bound, or give up. */
  private async waitOutRateLimit(seconds: number, retryCount: number): Promise<boolean> {
    if (retryCount >= this.tuning.attempts - 1 || seconds * 1000 > this.tuning.maxRateLimitWaitMs) return false
    await this.options.clock.sleep(seconds * 1000, this.options.signal)
    return true
  }

  private backoff(retries: number): number {
    return Math.min(this.tuning.backoffMs * 2 ** retries, this.tuning.maxBackoffMs)
  }

  /** undici's fetch on the injected dispatcher, one deadline per attempt (body included), the body bounded. */
  private async fetchOnce(url: string, init: RequestInit): Promise<Response> {
    this.calls.requests++
    const deadline = AbortSignal.timeout(this.tuning.deadlineMs)
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline
    const res = await undiciFetch(url, { ...(init as object), signal, dispatcher: this.options.dispatcher ?? sharedDispatcher() })
    this.options.forgeClock?.observe(res.headers.get('date') ?? undefined)
    const body = await readLimited(res.body, this.tuning.maxBodyBytes, `${init.method ?? 'GET'} ${new URL(url).pathname}`)
    const headers = new Headers()
    for (const [name, value] of res.headers) headers.append(name, value)
    return new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers })
  }

  private toFleetError(error: unknown, endpoint: string, req: { readonly method: GitHubMethod; readonly path: string }): FleetError {
    if (error instanceof FleetError) return error
    const failure = error as { status?: unknown; response?: { status: number; headers: Record<string, string>; data: unknown }; cause?: unknown }
    const response = failure.response
    if (response) {
      const detail = this.safe(remoteMessage(response.data))
      const wait = rateLimitWaitSeconds(response.headers, this.options.clock.now())
      const secondary = /\bsecondary rate\b/i.test(detail)
      if (response.status === 429 || (response.status === 403 && (wait !== undefined || secondary))) {
        return new RateLimitedError(response.status, endpoint, detail, wait ?? (secondary ? SECONDARY_FALLBACK_SECONDS : undefined))
      }
      if (response.status === 401 || response.status === 403) return new AccessDeniedError(response.status, endpoint, detail, this.options.permissionFor?.(req))
      return new HttpStatusError(response.status, endpoint, detail, response.status >= 500 ? wait : undefined)
    }
    const cause = failure.cause ?? error
    if (cause instanceof FleetError) return cause
    const errorClass = classifyError(cause)
    return new FleetError(`${endpoint} failed: ${errorClass} (${this.safe(describeError(cause))})`, errorClass, endpoint)
  }

  /** Remote text passes the boundary: neutralized, and a server echoing the token (registered above) does not get it into a log. */
  private safe(text: string): string {
    return neutralize(text, 300)
  }
}

const NULL_BODY: ReadonlySet<number> = new Set([101, 204, 205, 304])

/** A request's options for the attempt hook; the retry plugin never repeats one that is not idempotent unless the hook allows it. */
function attemptOptions(idempotent: boolean): RequestOptions['request'] {
  const fleetForward: AttemptState = { idempotent, retries: 0, nextWaitMs: null, lastHeaders: {} }
  return idempotent ? { fleetForward } : { fleetForward, retries: 0 }
}

/** GitHub's error body is `{message, documentation_url}`; the message is the reason. */
function remoteMessage(data: unknown): string {
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message
  return typeof data === 'string' ? data : ''
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number, endpoint: string): Promise<Uint8Array> {
  if (!body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > maxBytes) {
      await body.cancel().catch(() => undefined)
      throw new FleetError(`${endpoint} answered with a body over ${maxBytes} bytes`, 'too_large', endpoint)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
