import { jest } from '@jest/globals'
import { FleetError, HttpStatusError } from '../../src/util/errors.js'
import {
  failureOf,
  parseRetryAfter,
  rateLimitWaitSeconds,
  retryDecision,
  withRetries,
  type Decision,
  type Failure,
  type RetryPolicy
} from '../../src/util/retry-policy.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const POLICY: RetryPolicy = { attempts: 4, backoffMs: 1_000, maxBackoffMs: 4_000, maxWaitMs: 60_000 }
const NOW = Date.UTC(2026, 0, 1)

describe('retryDecision', () => {
  const retry = (waitMs: number): Decision => ({ action: 'retry', waitMs })
  const fail: Decision = { action: 'fail' }
  const status = (code: number, retryAfterMs?: number, rateLimited = code === 429): Failure => ({ status: code, rateLimited, retryAfterMs })

  // [what, failure, idempotent, attempt number, waited so far, decision]
  test.each<[string, Failure, boolean, number, number, Decision]>([
    ['idempotent: dropped connection, backoff', { errorClass: 'reset' }, true, 1, 0, retry(1_000)],
    ['idempotent: deadline, backoff doubles', { errorClass: 'deadline' }, true, 2, 1_000, retry(2_000)],
    ['idempotent: backoff is capped', { errorClass: 'dns' }, true, 5, 0, retry(4_000)],
    ['idempotent: a TLS failure is final', { errorClass: 'tls' }, true, 1, 0, fail],
    // A dead or demanding proxy does not come back within a backoff: the run fails at once, naming it.
    ['idempotent: a proxy failure is final', { errorClass: 'proxy' }, true, 1, 0, fail],
    ['POST: a proxy failure is final', { errorClass: 'proxy' }, false, 1, 0, fail],
    ['idempotent: 5xx, backoff', status(502), true, 1, 0, retry(1_000)],
    ['idempotent: 5xx with Retry-After waits what it asked', status(503, 4_000, true), true, 1, 0, retry(4_000)],
    ['idempotent: 429 without a wait, backoff', status(429), true, 2, 1_000, retry(2_000)],
    ['idempotent: 404 is final', status(404), true, 1, 0, fail],
    ['POST: refused connection was never sent', { errorClass: 'refused' }, false, 1, 0, retry(1_000)],
    ['POST: connect timeout was never sent', { errorClass: 'connect_timeout' }, false, 1, 0, retry(1_000)],
    ['POST: a reset may have reached the server', { errorClass: 'reset' }, false, 1, 0, fail],
    ['POST: a deadline may have reached the server', { errorClass: 'deadline' }, false, 1, 0, fail],
    ['POST: 5xx may have acted', status(500), false, 1, 0, fail],
    ['POST: 429 with Retry-After is a refusal', status(429, 7_000), false, 1, 0, retry(7_000)],
    ['POST: 503 with Retry-After is a refusal', status(503, 3_000, true), false, 1, 0, retry(3_000)],
    ['POST: 429 naming no wait is final', status(429), false, 1, 0, fail],
    ['a wait beyond the bound is not waited', status(429, 3_600_000), true, 1, 0, { action: 'too_long', waitMs: 3_600_000 }],
    ['the bound covers the waits of the whole request', status(429, 40_000), true, 2, 30_000, { action: 'too_long', waitMs: 40_000 }],
    ['a wait up to the bound is waited', status(429, 30_000), true, 2, 30_000, retry(30_000)]
  ])('%s', (_what, failure, idempotent, attemptNumber, waitedMs, decision) => {
    expect(retryDecision(failure, idempotent, attemptNumber, waitedMs, POLICY)).toEqual(decision)
  })

  test('a rate limit naming no wait uses the policy’s own wait when it has one', () => {
    expect(retryDecision(status(429), true, 1, 0, { ...POLICY, rateLimitWaitMs: 5_000 })).toEqual(retry(5_000))
  })
})

describe('failureOf', () => {
  test('an answer keeps its status and asked wait; a 503 naming a wait is a refusal', () => {
    expect(failureOf(new HttpStatusError(503, 'GET /x', '', 4))).toEqual({ status: 503, rateLimited: true, retryAfterMs: 4_000 })
    expect(failureOf(new HttpStatusError(503, 'GET /x', ''))).toEqual({ status: 503, rateLimited: false, retryAfterMs: undefined })
    expect(failureOf(new HttpStatusError(429, 'GET /x', ''))).toMatchObject({ status: 429, rateLimited: true })
  })

  test('a failure without an answer is classified', () => {
    expect(failureOf(new FleetError('GET /x failed', 'refused'))).toEqual({ errorClass: 'refused' })
    expect(failureOf(Object.assign(new Error('connect'), { code: 'ECONNRESET' }))).toEqual({ errorClass: 'reset' })
  })
})

describe('Retry-After and x-ratelimit-reset', () => {
  test('Retry-After in seconds, or as an HTTP date relative to now', () => {
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5)
    expect(parseRetryAfter(new Date(NOW + 12_000).toUTCString(), NOW)).toBe(12)
    expect(parseRetryAfter(new Date(NOW - 12_000).toUTCString(), NOW)).toBe(0)
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined()
  })

  test('Retry-After wins over the reset; the reset counts only when the limit is spent, with a second of margin', () => {
    expect(rateLimitWaitSeconds({ 'retry-after': ['5'], 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }, NOW)).toBe(5)
    expect(rateLimitWaitSeconds({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 10) }, NOW)).toBe(11)
    expect(rateLimitWaitSeconds({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(NOW / 1000 + 10) }, NOW)).toBeUndefined()
  })
})

describe('withRetries', () => {
  let clock: VirtualClock
  beforeEach(() => {
    clock = new VirtualClock(NOW)
  })

  /** An attempt that fails with each given error in turn, then answers 'ok'. */
  function failing(...errors: Error[]): jest.Mock<() => Promise<string>> {
    return jest.fn(async () => {
      const error = errors.shift()
      if (error) throw error
      return 'ok'
    })
  }
  const unavailable = (): HttpStatusError => new HttpStatusError(503, 'GET /x', 'busy')

  test('waits on the injected clock only: p-retry sets no timer of its own', async () => {
    const timers = jest.spyOn(globalThis, 'setTimeout')
    try {
      const attempt = failing(unavailable(), new HttpStatusError(429, 'GET /x', '', 3))
      await expect(withRetries(attempt, { policy: POLICY, clock, idempotent: true })).resolves.toBe('ok')
      expect(clock.sleeps).toEqual([1_000, 3_000])
      expect(timers).not.toHaveBeenCalled()
    } finally {
      timers.mockRestore()
    }
  })

  test('stops after the policy’s attempts with the last error', async () => {
    const last = unavailable()
    const attempt = failing(unavailable(), unavailable(), last)
    await expect(withRetries(attempt, { policy: { ...POLICY, attempts: 3 }, clock, idempotent: true })).rejects.toBe(last)
    expect(attempt).toHaveBeenCalledTimes(3)
    expect(clock.sleeps).toEqual([1_000, 2_000])
  })

  test('a POST that may have reached the server is sent once', async () => {
    const attempt = failing(new FleetError('POST /x failed', 'reset'))
    await expect(withRetries(attempt, { policy: POLICY, clock, idempotent: false })).rejects.toMatchObject({ errorClass: 'reset' })
    expect(attempt).toHaveBeenCalledTimes(1)
  })

  test('a wait beyond the bound is not waited: the request fails rate_limited, or with the error tooLong makes', async () => {
    const limited = new HttpStatusError(429, 'GET /x', '', 3_600)
    await expect(withRetries(failing(limited), { policy: POLICY, clock, idempotent: true })).rejects.toMatchObject({ errorClass: 'rate_limited' })
    const tooLong = jest.fn((_error: unknown, waitMs: number, waitedMs: number) => new Error(`asked ${waitMs} after ${waitedMs}`))
    const attempt = failing(unavailable(), new HttpStatusError(429, 'GET /x', '', 3_600))
    await expect(withRetries(attempt, { policy: POLICY, clock, idempotent: true, tooLong })).rejects.toThrow('asked 3600000 after 1000')
    expect(clock.sleeps).toEqual([1_000])
  })

  test('tells onRetry before each wait', async () => {
    const onRetry = jest.fn()
    await withRetries(failing(unavailable()), { policy: POLICY, clock, idempotent: true, onRetry })
    expect(onRetry).toHaveBeenCalledWith(expect.any(HttpStatusError), 1_000, 1)
  })

  test('a cancelled run makes no further attempt and announces no retry', async () => {
    const cancel = new AbortController()
    const onRetry = jest.fn()
    const attempt = jest.fn(async () => {
      cancel.abort(new Error('cancelled'))
      throw unavailable()
    })
    await expect(withRetries(attempt, { policy: POLICY, clock, idempotent: true, signal: cancel.signal, onRetry })).rejects.toBeInstanceOf(HttpStatusError)
    expect(attempt).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
    expect(clock.sleeps).toEqual([])
  })
})
