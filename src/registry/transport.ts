import type { Dispatcher } from 'undici'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { retryAfterSeconds, withRetries, type RetryPolicy } from '../util/retry-policy.js'
import { RegistryAuth, type Credentials } from './auth.js'
import { RegistryError, registryErrorFor, type RegistryTarget } from './errors.js'
import { exchange, headerValue, type ExchangeResult } from './http.js'
import { registryBaseUrl, type ImageRef } from './image-ref.js'

export interface TransportOptions {
  readonly credentials?: Credentials
  readonly clock: Clock
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /** Deadline for the headers and for each pause in the body of one request. */
  readonly timeoutMs?: number
  /** Longest total time one request spends waiting between attempts (Retry-After, backoff) before giving up. */
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
const MAX_REDIRECTS = 3
const RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  backoffMs: 1_000,
  maxBackoffMs: 8_000,
  maxWaitMs: 60_000,
  // Registries (Docker Hub among them) often answer TOOMANYREQUESTS without Retry-After.
  rateLimitWaitMs: 5_000
}

/**
 * Requests to one registry: answers auth challenges (one re-auth per request), retries and waits out
 * rate limits under the shared retry policy (reads on 5xx and dropped connections; writes only when
 * refused or never sent), and turns every other answer into a classified RegistryError.
 */
export class RegistryTransport {
  private readonly auth: RegistryAuth
  private readonly base: string
  private readonly timeoutMs: number
  private readonly policy: RetryPolicy
  private readonly dispatcher: Dispatcher

  constructor(
    readonly ref: ImageRef,
    private readonly options: TransportOptions
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.policy = { ...RETRY_POLICY, maxWaitMs: options.rateLimitBudgetMs ?? RETRY_POLICY.maxWaitMs }
    this.dispatcher = options.dispatcher ?? sharedDispatcher()
    this.auth = new RegistryAuth(options.credentials, this.dispatcher, this.timeoutMs)
    this.base = registryBaseUrl(ref)
  }

  async send(req: RegistryRequest): Promise<ExchangeResult> {
    const url = `${this.base}${req.path}`
    let reauthenticated = false
    const res = await withRetries(
      async () => {
        let res = await this.exchange(url, req, true)
        if (res.status === 401 && !reauthenticated) {
          reauthenticated = true
          if (await this.auth.answer(headerValue(res.headers, 'www-authenticate'), this.targetOf(req))) res = await this.exchange(url, req, true)
        }
        const answered =
          (res.status >= 200 && res.status < 300) || (res.status === 404 && req.notFoundIsAnswer) || (isRedirect(res.status) && req.followRedirects)
        if (answered) return res
        throw registryErrorFor(res.status, res.body, this.targetOf(req), retryAfterSeconds(res.headers, this.options.clock.now()))
      },
      {
        policy: this.policy,
        clock: this.options.clock,
        // A PUT of a blob or manifest may have landed before the failure: only a refusal is repeated.
        idempotent: req.method !== 'PUT',
        tooLong: (error, waitMs, waitedMs) =>
          error instanceof RegistryError ? error.withNote(rateLimitNote(waitMs, waitedMs, this.policy.maxWaitMs)) : (error as Error)
      }
    )
    return isRedirect(res.status) ? this.followRedirects(url, res, req) : res
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
      throw new RegistryError(
        `${req.target}: registry ${this.ref.registry} redirected more than ${MAX_REDIRECTS} times`,
        'redirect',
        req.target,
        null,
        res.status
      )
    }
    throw registryErrorFor(res.status, res.body, this.targetOf(req))
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

function rateLimitNote(waitMs: number, waitedMs: number, budgetMs: number): string {
  return `asked to wait ${Math.ceil(waitMs / 1000)}s more after ${Math.round(waitedMs / 1000)}s, beyond the ${Math.round(budgetMs / 1000)}s allowed`
}
