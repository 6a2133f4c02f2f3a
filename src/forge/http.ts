import { request, type Dispatcher } from 'undici'
import type { ErrorClass } from '../core/types.js'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { classifyError, describeError, FleetError, HttpStatusError } from '../util/errors.js'
import { rateLimitWaitSeconds, retryAfterSeconds, withRetries } from '../util/retry-policy.js'
import { neutralize } from '../util/sanitize.js'
import { registerSecret } from '../util/scrub.js'
import type { ForgeClock } from './forge-clock.js'
import { payloadError } from './payload.js'
import type { ForgeCallCounter } from './types.js'

/**
 * One JSON client for a forge REST API (GitHub or Gitea): auth header, a deadline per request,
 * retries and rate-limit waits under the shared retry policy (util/retry-policy: Retry-After,
 * x-ratelimit-remaining/x-ratelimit-reset, as GitHub's "best practices for using the REST API" asks),
 * ETag conditional GETs, a body size limit, and errors that name the endpoint (method + path) and
 * never the token.
 */
export interface ForgeHttpOptions {
  /** API root, e.g. https://api.github.com or https://gitea.example/api/v1 */
  readonly baseUrl: string
  /** Full Authorization header value (`Bearer …` or `token …`). */
  readonly authorization: string
  /** Default Accept header. */
  readonly accept: string
  /** Headers sent with every request (e.g. X-GitHub-Api-Version). */
  readonly headers?: Readonly<Record<string, string>>
  readonly clock: Clock
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /** Cancels waits and requests (the run's cancellation). */
  readonly signal?: AbortSignal
  readonly tuning?: Partial<ForgeHttpTuning>
  /** The permission a request needs, named in the error when the forge answers 403 without a rate limit. */
  readonly permissionFor?: (req: ForgeRequest) => string
  /** Learns the forge's time from the `Date` header of every answer (the lock's leases are judged on it). */
  readonly forgeClock?: ForgeClock
}

export interface ForgeHttpTuning {
  /** Deadline for one request, headers and body included. */
  deadlineMs: number
  /** Attempts per request, the first included. */
  attempts: number
  /** First backoff; doubles per retry up to maxBackoffMs. */
  backoffMs: number
  maxBackoffMs: number
  /** A server asking for a longer wait than this is not waited for: the request fails rate_limited. */
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

export interface ForgeRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Path below the API root, starting with `/`; segments already encoded. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | boolean>>
  readonly body?: unknown
  readonly accept?: string
  /**
   * Whether sending the request twice has the effect of sending it once. Defaults: GET, PUT and DELETE
   * yes; POST and PATCH no. A request that is not idempotent is retried only when the server
   * provably did not act on it (connection never made, or a rate-limit refusal).
   */
  readonly idempotent?: boolean
  /** GET only: send If-None-Match with the last ETag of this URL and reuse its body on 304. */
  readonly conditional?: boolean
}

export interface ForgeResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  /** True when the server answered 304 and `text` is the cached body. */
  readonly notModified: boolean
}

/** A 403 that is a rate limit (GitHub's primary/secondary limits answer 403 as well as 429). */
export class RateLimitedError extends HttpStatusError {
  override readonly errorClass = 'rate_limited' as const
}

/**
 * A 401 (token refused) or a 403 that is not a rate limit (permission missing): no retry or wait can
 * fix it, so it is never retried and ends the run as `failed` with class `auth` or `permission`.
 */
export class AccessDeniedError extends HttpStatusError {
  override readonly errorClass: 'auth' | 'permission'

  constructor(status: 401 | 403, endpoint: string, detail: string, permission: string | undefined) {
    const remedy =
      status === 401
        ? 'the forge refused the token: check that the token input is set and not expired or revoked'
        : `the token lacks a permission${permission ? `: it needs ${permission}` : ''}`
    super(status, endpoint, detail ? `${detail}; ${remedy}` : remedy)
    this.errorClass = status === 401 ? 'auth' : 'permission'
  }
}

interface CachedBody {
  readonly etag: string
  readonly text: string
  readonly headers: Readonly<Record<string, string>>
}

/** Octokit's client judges GitHub's rate-limit headers with the same parser. */
export { rateLimitWaitSeconds }

export class ForgeHttp {
  readonly calls: ForgeCallCounter = { requests: 0, notModified: 0 }
  private readonly tuning: ForgeHttpTuning
  private readonly etagCache = new Map<string, CachedBody>()

  constructor(private readonly options: ForgeHttpOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning }
    registerSecret(options.authorization.replace(/^\S+\s+/, ''))
  }

  /** Sends the request (with retries) and parses a JSON answer. */
  async json<T>(req: ForgeRequest): Promise<T> {
    const res = await this.send(req)
    try {
      return JSON.parse(res.text) as T
    } catch {
      throw payloadError(endpointOf(req), `HTTP ${res.status} with a body that is not JSON`)
    }
  }

  /** Sends the request with retries; any answer outside 2xx (304 on a cached URL aside) throws. */
  async send(req: ForgeRequest): Promise<ForgeResponse> {
    const { attempts, backoffMs, maxBackoffMs, maxRateLimitWaitMs } = this.tuning
    return withRetries(() => this.attempt(req), {
      policy: { attempts, backoffMs, maxBackoffMs, maxWaitMs: maxRateLimitWaitMs },
      clock: this.options.clock,
      idempotent: req.idempotent ?? (req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE'),
      signal: this.options.signal
    })
  }

  private async attempt(req: ForgeRequest): Promise<ForgeResponse> {
    const url = this.urlOf(req)
    const endpoint = endpointOf(req)
    const accept = req.accept ?? this.options.accept
    const cacheKey = `${accept} ${url}`
    const cached = req.conditional && req.method === 'GET' ? this.etagCache.get(cacheKey) : undefined
    const headers: Record<string, string> = {
      ...this.options.headers,
      accept,
      authorization: this.options.authorization,
      'user-agent': 'fleet-forward'
    }
    if (cached) headers['if-none-match'] = cached.etag
    if (req.body !== undefined) headers['content-type'] = 'application/json'

    const deadline = AbortSignal.timeout(this.tuning.deadlineMs)
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, deadline]) : deadline
    this.calls.requests++
    let status: number
    let resHeaders: Record<string, string>
    let text: string
    try {
      const res = await request(url, {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: this.options.dispatcher ?? sharedDispatcher(),
        signal
      })
      status = res.statusCode
      resHeaders = flattenHeaders(res.headers)
      this.options.forgeClock?.observe(resHeaders.date)
      text = await readLimited(res.body, this.tuning.maxBodyBytes, endpoint)
    } catch (error) {
      if (error instanceof FleetError) throw error
      const errorClass: ErrorClass = deadline.aborted ? 'deadline' : classifyError(error)
      throw new FleetError(`${endpoint} failed: ${errorClass} (${neutralize(describeError(error), 300)})`, errorClass, endpoint)
    }

    if (status === 304 && cached) {
      this.calls.notModified++
      return { status: 200, headers: cached.headers, text: cached.text, notModified: true }
    }
    if (status >= 200 && status < 300) {
      const etag = resHeaders.etag
      if (req.conditional && req.method === 'GET' && etag) this.etagCache.set(cacheKey, { etag, text, headers: resHeaders })
      return { status, headers: resHeaders, text, notModified: false }
    }
    throw this.statusError(req, endpoint, status, resHeaders, text)
  }

  private statusError(req: ForgeRequest, endpoint: string, status: number, headers: Record<string, string>, text: string): HttpStatusError {
    const detail = neutralize(remoteMessage(text), 300)
    const waitSeconds = rateLimitWaitSeconds(headers, this.options.clock.now())
    const limited = status === 429 || (status === 403 && waitSeconds !== undefined)
    if (limited) return new RateLimitedError(status, endpoint, detail, waitSeconds)
    if (status === 401 || status === 403) return new AccessDeniedError(status, endpoint, detail, this.options.permissionFor?.(req))
    return new HttpStatusError(status, endpoint, detail, status >= 500 ? retryAfterSeconds(headers, this.options.clock.now()) : undefined)
  }

  private urlOf(req: ForgeRequest): string {
    const base = this.options.baseUrl.replace(/\/+$/, '')
    const query = req.query ? '?' + new URLSearchParams(Object.entries(req.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : ''
    return `${base}${req.path}${query}`
  }
}

function endpointOf(req: ForgeRequest): string {
  return `${req.method} ${req.path}`
}

/** GitHub (`{message, documentation_url}`) and Gitea (`{message, url}`) both put the reason in `message`. */
function remoteMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown }
    if (parsed && typeof parsed.message === 'string') return parsed.message
  } catch {
    // not JSON: the raw text is the detail
  }
  return text
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number, endpoint: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > maxBytes) {
      body.destroy()
      throw new FleetError(`${endpoint} answered with a body over ${maxBytes} bytes`, 'too_large', endpoint)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Encodes each segment of a branch, tag or ref name, keeping its slashes as path separators. */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/')
}
