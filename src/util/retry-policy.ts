import pRetry from 'p-retry'
import type { ErrorClass } from '../types.js'
import type { Clock } from './clock.js'
import { classifyError, FleetError } from './errors.js'

/**
 * The one retry policy of the Gitea client, the registry transport and the control-plane webhook:
 * which failures may be repeated, how long to wait (the server's Retry-After / x-ratelimit-reset, else
 * a doubling backoff), and the bound beyond which nobody waits. Waits run on the injected clock; p-retry
 * counts the attempts and stops on the run's signal.
 */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  readonly attempts: number
  /** First backoff; doubles per retry up to maxBackoffMs. */
  readonly backoffMs: number
  readonly maxBackoffMs: number
  /** Longest total wait between the attempts of one request; a wait beyond it is not waited: the request fails. */
  readonly maxWaitMs: number
  /** Wait after a rate-limit refusal that names no wait (default: the backoff). */
  readonly rateLimitWaitMs?: number
}

/** What one failed attempt tells the policy. */
export type Failure =
  | { readonly errorClass: ErrorClass }
  | {
      readonly status: number
      /** A refusal to serve yet (429, a rate-limit 403, a 503 naming a wait): the server did not act on the request. */
      readonly rateLimited: boolean
      readonly retryAfterMs?: number
    }

export type Decision =
  { readonly action: 'retry'; readonly waitMs: number } | { readonly action: 'fail' } | { readonly action: 'too_long'; readonly waitMs: number }

/**
 * Network failures worth repeating for a request that may be sent twice. Not `proxy`: a proxy with
 * nothing listening or asking for credentials does not come back within a backoff (docs/contract.md,
 * Bad input and faults), so the request fails at once and names it.
 */
const RETRYABLE_NETWORK: ReadonlySet<ErrorClass> = new Set(['dns', 'refused', 'connect_timeout', 'reset', 'deadline'])
/** Failures before the request reached the server: safe to repeat even for a POST. */
const NEVER_SENT: ReadonlySet<ErrorClass> = new Set(['dns', 'refused', 'connect_timeout'])

export function neverReachedServer(errorClass: ErrorClass): boolean {
  return NEVER_SENT.has(errorClass)
}

/** Whether a request that failed on the network this way may be sent again: any such failure if it is idempotent, else only one that never reached the server. */
export function networkRetryable(errorClass: ErrorClass, idempotent: boolean): boolean {
  return (idempotent ? RETRYABLE_NETWORK : NEVER_SENT).has(errorClass)
}

/**
 * Whether attempt `attemptNumber` may be followed by another, and after how long. A request that is not
 * idempotent is repeated only when the server provably did not act on it: the connection was never made,
 * or it refused with a rate limit and named the wait.
 */
export function retryDecision(failure: Failure, idempotent: boolean, attemptNumber: number, waitedMs: number, policy: RetryPolicy): Decision {
  const backoff = Math.min(policy.backoffMs * 2 ** (attemptNumber - 1), policy.maxBackoffMs)
  let waitMs: number | undefined
  if ('status' in failure) {
    const asked = failure.retryAfterMs
    if (failure.rateLimited) waitMs = asked ?? (idempotent ? (policy.rateLimitWaitMs ?? backoff) : undefined)
    else if (failure.status >= 500 && idempotent) waitMs = asked ?? backoff
  } else if (networkRetryable(failure.errorClass, idempotent)) {
    waitMs = backoff
  }
  if (waitMs === undefined) return { action: 'fail' }
  if (waitedMs + waitMs > policy.maxWaitMs) return { action: 'too_long', waitMs }
  return { action: 'retry', waitMs }
}

/** An error for an HTTP answer: its status and the wait the server asked for (HttpStatusError, RegistryError). */
interface AnswerError extends FleetError {
  readonly status: number
  readonly retryAfterSeconds?: number
}

function isAnswerError(error: unknown): error is AnswerError {
  return error instanceof FleetError && typeof (error as { status?: unknown }).status === 'number'
}

export function failureOf(error: unknown): Failure {
  if (!isAnswerError(error)) return { errorClass: classifyError(error) }
  const retryAfterMs = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000
  const rateLimited = error.errorClass === 'rate_limited' || (error.status === 503 && retryAfterMs !== undefined)
  return { status: error.status, rateLimited, retryAfterMs }
}

export interface RetryOptions {
  readonly policy: RetryPolicy
  readonly clock: Clock
  readonly idempotent: boolean
  readonly signal?: AbortSignal
  /** Told before each wait (e.g. to log it). */
  readonly onRetry?: (error: unknown, waitMs: number, attemptNumber: number) => void
  /** The error to end with when the next wait would pass the bound (default: the attempt's own error). */
  readonly tooLong?: (error: unknown, waitMs: number, waitedMs: number) => Error
}

/** Runs `attempt` under the policy: p-retry counts attempts and honours the signal; waits happen on the clock. */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock, idempotent, signal } = options
  let waitedMs = 0
  return pRetry(attempt, {
    retries: policy.attempts - 1,
    // The wait happens in shouldRetry on the injected clock, so p-retry itself never sets a timer.
    minTimeout: 0,
    maxTimeout: 0,
    randomize: false,
    signal,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (signal?.aborted) return false
      const decision = retryDecision(failureOf(error), idempotent, attemptNumber, waitedMs, policy)
      if (decision.action === 'fail') return false
      if (decision.action === 'too_long') throw options.tooLong ? options.tooLong(error, decision.waitMs, waitedMs) : error
      options.onRetry?.(error, decision.waitMs, attemptNumber)
      waitedMs += decision.waitMs
      await clock.sleep(decision.waitMs, signal)
      return true
    }
  })
}

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' ? value : value?.[0]
}

/** GitHub asks to wait until x-ratelimit-reset; a second more avoids landing just before the window turns. */
const RESET_MARGIN_MS = 1_000

/** Retry-After as seconds or an HTTP date, in whole seconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const trimmed = value?.trim()
  if (!trimmed) return undefined
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000))
}

/** Seconds the server asks for in Retry-After (headers named in lower case). */
export function retryAfterSeconds(headers: Headers, nowMs: number): number | undefined {
  return parseRetryAfter(header(headers, 'retry-after'), nowMs)
}

/**
 * Seconds the server asks us to wait: Retry-After (seconds or HTTP date) first, then, when the
 * primary limit is spent (x-ratelimit-remaining: 0), until x-ratelimit-reset (UTC epoch seconds).
 */
export function rateLimitWaitSeconds(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = retryAfterSeconds(headers, nowMs)
  if (retryAfter !== undefined) return retryAfter
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'))
    if (Number.isFinite(reset)) return Math.max(0, Math.ceil((reset * 1000 - nowMs + RESET_MARGIN_MS) / 1000))
  }
  return undefined
}
