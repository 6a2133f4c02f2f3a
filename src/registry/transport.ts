import type { Dispatcher } from 'undici'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { FleetError } from '../util/errors.js'
import { RegistryAuth, type Credentials } from './auth.js'
import { RegistryError, registryErrorFor, type RegistryTarget } from './errors.js'
import { exchange, headerValue, type ExchangeResult, type HttpHeaders } from './http.js'
import { registryBaseUrl, type ImageRef } from './image-ref.js'

export interface TransportOptions {
  readonly credentials?: Credentials
  readonly clock: Clock
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /** Deadline for the headers and for each pause in the body of one request. */
  readonly timeoutMs?: number
  /** Longest total time spent waiting on TOOMANYREQUESTS (Retry-After) before giving up. */
  readonly rateLimitBudgetMs?: number
}

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT'
  /** Below the registry's origin, starting with `/v2/`. */
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: Buffer
  readonly maxBytes: number
  /** `registry/repository:tag` or `…@digest`: names the request in errors. */
  readonly target: string
  readonly action: 'pull' | 'push'
  /** Hand a 404 back to the caller (a tag that may be absent) instead of throwing. */
  readonly notFoundIsAnswer?: boolean
  /** Follow redirects (blob downloads go to storage); Authorization stays on the registry's origin. */
  readonly followRedirects?: boolean
}

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_RATE_LIMIT_BUDGET_MS = 60_000
/** Wait when a 429 names no Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 5_000
const MAX_TRANSIENT_RETRIES = 2
const MAX_REDIRECTS = 3
const TRANSIENT_CLASSES = new Set(['reset', 'connect_timeout', 'deadline'])

/**
 * Requests to one registry: answers auth challenges (one re-auth per request), waits out rate limits
 * within a budget, retries reads (never writes) on 5xx and dropped connections, and turns every other
 * answer into a classified RegistryError.
 */
export class RegistryTransport {
  private readonly auth: RegistryAuth
  private readonly base: string
  private readonly timeoutMs: number
  private readonly rateLimitBudgetMs: number
  private readonly dispatcher: Dispatcher

  constructor(
    readonly ref: ImageRef,
    private readonly options: TransportOptions
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.rateLimitBudgetMs = options.rateLimitBudgetMs ?? DEFAULT_RATE_LIMIT_BUDGET_MS
    this.dispatcher = options.dispatcher ?? sharedDispatcher()
    this.auth = new RegistryAuth(options.credentials, this.dispatcher, this.timeoutMs)
    this.base = registryBaseUrl(ref)
  }

  async send(req: RegistryRequest): Promise<ExchangeResult> {
    const url = `${this.base}${req.path}`
    const reads = req.method !== 'PUT'
    let reauthenticated = false
    let transientFailures = 0
    let rateLimitWaitedMs = 0
    for (;;) {
      let res: ExchangeResult
      try {
        res = await this.exchange(url, req, true)
      } catch (error) {
        if (!reads || transientFailures >= MAX_TRANSIENT_RETRIES || !isTransient(error)) throw error
        await this.options.clock.sleep(backoffMs(++transientFailures))
        continue
      }
      if (res.status === 401 && !reauthenticated) {
        reauthenticated = true
        if (await this.auth.answer(headerValue(res.headers, 'www-authenticate'), this.targetOf(req))) continue
      }
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers, this.options.clock.now()) ?? DEFAULT_RATE_LIMIT_WAIT_MS
        if (rateLimitWaitedMs + waitMs > this.rateLimitBudgetMs) {
          throw registryErrorFor(429, res.body, this.targetOf(req), rateLimitNote(waitMs, rateLimitWaitedMs, this.rateLimitBudgetMs))
        }
        rateLimitWaitedMs += waitMs
        await this.options.clock.sleep(waitMs)
        continue
      }
      if (res.status >= 500 && reads && transientFailures < MAX_TRANSIENT_RETRIES) {
        await this.options.clock.sleep(backoffMs(++transientFailures))
        continue
      }
      if (isRedirect(res.status) && req.followRedirects) return this.followRedirects(url, res, req)
      if ((res.status >= 200 && res.status < 300) || (res.status === 404 && req.notFoundIsAnswer)) return res
      throw registryErrorFor(res.status, res.body, this.targetOf(req))
    }
  }

  private targetOf(req: RegistryRequest): RegistryTarget {
    return {
      registry: this.ref.registry,
      target: req.target,
      action: req.action,
      hasCredentials: this.auth.hasCredentials
    }
  }

  private exchange(url: string, req: RegistryRequest, authorized: boolean): Promise<ExchangeResult> {
    const authorization = authorized ? this.auth.header() : null
    return exchange({
      url,
      method: req.method,
      headers: { ...req.headers, ...(authorization ? { authorization } : {}) },
      body: req.body,
      maxBytes: req.maxBytes,
      timeoutMs: this.timeoutMs,
      dispatcher: this.dispatcher,
      subject: req.target
    })
  }

  private async followRedirects(from: string, first: ExchangeResult, req: RegistryRequest): Promise<ExchangeResult> {
    const origin = new URL(from).origin
    let current = from
    let res = first
    for (let hop = 0; hop < MAX_REDIRECTS && isRedirect(res.status); hop++) {
      const next = new URL(headerValue(res.headers, 'location') ?? '', current)
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new RegistryError(`${req.target}: registry ${this.ref.registry} redirected to a non-http(s) location`, 'redirect', req.target, null, res.status)
      }
      current = next.toString()
      // Credentials and tokens belong to the registry: storage on another origin gets none.
      res = await this.exchange(current, req, next.origin === origin)
    }
    if (res.status >= 200 && res.status < 300) return res
    if (isRedirect(res.status)) {
      throw new RegistryError(`${req.target}: registry ${this.ref.registry} redirected more than ${MAX_REDIRECTS} times`, 'redirect', req.target, null, res.status)
    }
    throw registryErrorFor(res.status, res.body, this.targetOf(req))
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

function isTransient(error: unknown): boolean {
  return error instanceof FleetError && TRANSIENT_CLASSES.has(error.errorClass)
}

function backoffMs(failures: number): number {
  return 1000 * 2 ** (failures - 1)
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: HttpHeaders, nowMs: number): number | null {
  const value = headerValue(headers, 'retry-after')?.trim()
  if (!value) return null
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

function rateLimitNote(waitMs: number, waitedMs: number, budgetMs: number): string {
  return `asked to wait ${Math.ceil(waitMs / 1000)}s more after ${Math.round(waitedMs / 1000)}s, beyond the ${Math.round(budgetMs / 1000)}s allowed`
}
