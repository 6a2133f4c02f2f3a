import { RequestError } from '@octokit/request-error'
import { Octokit } from '@octokit/rest'
import { fetch as undiciFetch, type Dispatcher } from 'undici'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { classifyError, describeError, FleetError, HttpStatusError } from '../util/errors.js'
import { rateLimitWaitSeconds, withRetries } from '../util/retry-policy.js'
import { neutralize } from '../util/sanitize.js'
import { registerSecret } from '../util/scrub.js'
import { conditionalReads } from './conditional-reads.js'
import { AccessDeniedError, RateLimitedError } from './errors.js'
import type { ForgeClock } from './forge-clock.js'
import type { ForgeCallCounter } from './types.js'

/**
 * The one HTTP client of both forges: `@octokit/rest` (GitHub through its typed endpoints, Gitea through
 * `request('GET /repos/{owner}/…')` at `<gitea>/api/v1`). Network and time stay injected:
 * - `request.fetch` is undici's fetch bound to the injected dispatcher (default: the run's proxy-aware
 *   one, src/util/dispatcher.ts), with a deadline per attempt and a body size limit; it counts every
 *   request sent and shows the forge's `Date` to the ForgeClock.
 * - One request hook runs every request under the shared retry policy (src/util/retry-policy.ts, the
 *   same rule as the registry's and the webhook's): 5xx and network failures with a doubling backoff,
 *   rate limits after the wait the forge names (Retry-After; x-ratelimit-remaining 0 until
 *   x-ratelimit-reset; a minute for a GitHub secondary limit that names none), every wait on the injected
 *   clock, and no wait at all once the waits of one request would pass `maxRateLimitWaitMs`. A request
 *   that is not idempotent (a POST that creates) is repeated only when it provably never reached the
 *   forge or a rate limit refused it.
 * - Conditional reads: src/forge/conditional-reads.ts.
 * Every failure leaves as a FleetError naming the endpoint (method and path below the API root), with
 * remote text neutralized and the token redacted.
 */
export interface ForgeHttpTuning {
  /** Deadline for one attempt, headers and body included. */
  deadlineMs: number
  /** Attempts per request, the first included. */
  attempts: number
  /** First backoff; doubles per retry up to maxBackoffMs. */
  backoffMs: number
  maxBackoffMs: number
  /** Longest total wait between the attempts of one request; a wait beyond it is not waited: the request fails. */
  maxRateLimitWaitMs: number
  maxBodyBytes: number
}

export const DEFAULT_TUNING: ForgeHttpTuning = {
  deadlineMs: 10_000,
  attempts: 4,
  backoffMs: 1_000,
  maxBackoffMs: 8_000,
  maxRateLimitWaitMs: 60_000,
  maxBodyBytes: 4 * 1024 * 1024
}

export interface ForgeClientOptions {
  /** REST root: https://api.github.com, https://HOST/api/v3 (GitHub Enterprise Server), https://HOST/api/v1 (Gitea). */
  readonly baseUrl: string
  readonly token: string
  readonly clock: Clock
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /** Cancels requests and waits. */
  readonly signal?: AbortSignal
  readonly tuning?: Partial<ForgeHttpTuning>
  /** Headers of every request: the forge's media type, GitHub's API version. */
  readonly headers: Readonly<Record<string, string>>
  /** The permission a request needs, named in the error when the forge answers 403 without a rate limit. */
  readonly permissionFor?: (req: { readonly method: string; readonly path: string }) => string
  /** Learns the forge's time from the `Date` header of every answer (the lock's leases are judged on it). */
  readonly forgeClock?: ForgeClock
}

/** How one request may be repeated and read: `request: policy({…})` in an Octokit call. */
export interface RequestPolicy {
  /** Whether sending it twice has the effect of sending it once. Defaults: GET, PUT and DELETE yes; POST and PATCH no. */
  readonly idempotent?: boolean
  /** GET only: revalidate with the last ETag of this URL and reuse its answer on 304. */
  readonly conditional?: boolean
  /** The endpoint errors name when the path does not say enough (a GraphQL mutation). */
  readonly endpoint?: string
}

export function policy(request: RequestPolicy): { readonly fleetForward: RequestPolicy } {
  return { fleetForward: request }
}

/** A secondary rate limit that names no wait: GitHub asks to wait at least one minute. */
const SECONDARY_FALLBACK_SECONDS = 60
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE'])
const NULL_BODY: ReadonlySet<number> = new Set([101, 204, 205, 304])

export class ForgeClient {
  readonly calls: ForgeCallCounter = { requests: 0, notModified: 0 }
  readonly octokit: Octokit
  private readonly tuning: ForgeHttpTuning
  /** Path of the API root, so endpoints are named below it. */
  private readonly rootPath: string

  constructor(private readonly options: ForgeClientOptions) {
    registerSecret(options.token)
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning }
    const baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.rootPath = new URL(baseUrl).pathname.replace(/\/+$/, '')
    const quiet = (): void => undefined
    this.octokit = new Octokit({
      auth: options.token,
      baseUrl,
      userAgent: 'fleet-forward',
      request: { fetch: this.fetchOnce.bind(this), signal: options.signal },
      // Failures reach the caller as FleetErrors; nothing is printed behind its back.
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet }
    })
    // Hooks registered later run outside those registered earlier: each attempt of the retry loop passes
    // through the conditional read.
    conditionalReads(this.octokit, this.calls)
    this.octokit.hook.wrap('request', async (request, options) => {
      Object.assign(options.headers, this.options.headers)
      const { method, url } = this.octokit.request.endpoint.parse(options)
      const path = this.pathOf(url)
      const asked: RequestPolicy = options.request.fleetForward ?? {}
      const endpoint = asked.endpoint ?? `${method} ${path}`
      const graphql = method === 'POST' && url.endsWith('/graphql')
      const { attempts, backoffMs, maxBackoffMs, maxRateLimitWaitMs } = this.tuning
      return withRetries(
        async () => {
          try {
            const answer = await request(options)
            if (graphql) this.throwGraphqlErrors(answer, endpoint)
            return answer
          } catch (error) {
            throw this.toFleetError(error, endpoint, { method, path })
          }
        },
        {
          policy: { attempts, backoffMs, maxBackoffMs, maxWaitMs: maxRateLimitWaitMs },
          clock: this.options.clock,
          idempotent: asked.idempotent ?? IDEMPOTENT_METHODS.has(method),
          signal: this.options.signal
        }
      )
    })
  }

  /** undici's fetch on the injected dispatcher, one deadline per attempt (body included), the body bounded. */
  private async fetchOnce(url: string, init: RequestInit): Promise<Response> {
    this.calls.requests++
    const deadline = AbortSignal.timeout(this.tuning.deadlineMs)
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline
    const res = await undiciFetch(url, { ...(init as object), signal, dispatcher: this.options.dispatcher ?? sharedDispatcher() })
    this.options.forgeClock?.observe(res.headers.get('date') ?? undefined)
    const body = await readLimited(res.body, this.tuning.maxBodyBytes, `${init.method ?? 'GET'} ${this.pathOf(url)}`)
    const headers = new Headers()
    for (const [name, value] of res.headers) headers.append(name, value)
    const answer = new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers })
    // Octokit hands the answer's URL on (`response.url`), from which a payload check names the endpoint.
    Object.defineProperty(answer, 'url', { value: res.url })
    return answer
  }

  /**
   * The forge's time as its latest answer's `Date` header told it: `x-ratelimit-reset` and a Retry-After
   * date are instants on the forge's clock, so a runner whose clock is off neither hammers a spent limit
   * nor waits too long.
   */
  private forgeNow(): number {
    return this.options.forgeClock?.now() ?? this.options.clock.now()
  }

  /** The endpoint an answer came from, as errors name it: `GET /repos/acme/fleet/git/ref/heads/main`. */
  endpointOf(method: string, answer: { readonly url: string }): string {
    return `${method} ${this.pathOf(answer.url)}`
  }

  /** The path below the API root, as the forge's documentation writes it (a ref's slashes as slashes). */
  private pathOf(url: string): string {
    const path = new URL(url).pathname
    const below = path.startsWith(`${this.rootPath}/`) ? path.slice(this.rootPath.length) : path
    return below.replace(/%2F/gi, '/')
  }

  /**
   * A GraphQL answer is a 200 whose `errors` say what failed: RATE_LIMITED is a rate limit (its headers
   * carry the reset), FORBIDDEN a missing permission (no retry fixes it), anything else a forge error.
   */
  private throwGraphqlErrors(answer: { readonly status: number; readonly headers: object; readonly data: unknown }, endpoint: string): void {
    const errors = (answer.data as { errors?: unknown } | null)?.errors
    if (!Array.isArray(errors) || errors.length === 0) return
    const types = errors.map((error: { type?: unknown }) => error?.type)
    const detail = this.safe(String((errors[0] as { message?: unknown })?.message ?? 'error'))
    if (types.includes('RATE_LIMITED')) {
      throw new RateLimitedError(answer.status, endpoint, detail, rateLimitWaitSeconds(stringHeaders(answer.headers), this.forgeNow()))
    }
    if (types.includes('FORBIDDEN')) throw new AccessDeniedError(403, endpoint, detail, this.options.permissionFor?.({ method: 'POST', path: '/graphql' }))
    throw new FleetError(`${endpoint} answered: ${detail}`, 'forge', endpoint)
  }

  private toFleetError(error: unknown, endpoint: string, req: { readonly method: string; readonly path: string }): FleetError {
    if (error instanceof FleetError) return error
    if (error instanceof RequestError && error.response) {
      const { status, data } = error.response
      const headers = stringHeaders(error.response.headers)
      const detail = this.safe(remoteMessage(data))
      const wait = rateLimitWaitSeconds(headers, this.forgeNow())
      const secondary = /\bsecondary rate\b/i.test(detail)
      if (status === 429 || (status === 403 && (wait !== undefined || secondary))) {
        return new RateLimitedError(status, endpoint, detail, wait ?? (secondary ? SECONDARY_FALLBACK_SECONDS : undefined))
      }
      if (status === 401 || status === 403) return new AccessDeniedError(status, endpoint, detail, this.options.permissionFor?.(req))
      return new HttpStatusError(status, endpoint, detail, status >= 500 ? wait : undefined)
    }
    // No answer: Octokit wraps what fetch threw, undici's TypeError('fetch failed'), whose cause says what
    // failed (a proxy naming itself, a refusal).
    const wrapped = error instanceof RequestError ? (error.cause ?? error) : error
    const cause = wrapped instanceof TypeError && wrapped.cause !== undefined ? wrapped.cause : wrapped
    if (cause instanceof FleetError) return cause
    const errorClass = classifyError(cause)
    return new FleetError(`${endpoint} failed: ${errorClass} (${this.safe(describeError(cause))})`, errorClass, endpoint)
  }

  /** Remote text passes the boundary: neutralized, and a server echoing the token (registered above) does not get it into a log. */
  private safe(text: string): string {
    return neutralize(text, 300)
  }
}

function stringHeaders(headers: object): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name.toLowerCase()] = String(value)
  return flat
}

/** GitHub (`{message, documentation_url}`) and Gitea (`{message, url}`) both put the reason in `message`. */
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
