import { ForgeHttp, rateLimitWaitSeconds } from '../../src/forge/http.js'
import { FleetError } from '../../src/util/errors.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const A = 'a'.repeat(40)
const TOKEN = 'ghs_http_token'
const REFS = /\/git\/refs$/

let clock: VirtualClock
let fake: FakeGitHub

function client(): ForgeHttp {
  return new ForgeHttp({ baseUrl: fake.apiUrl, authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', clock })
}

const createRef = { method: 'POST' as const, path: '/repos/acme/fleet/git/refs', body: { ref: 'refs/fleet-lock/production', sha: A } }

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1))
  fake = new FakeGitHub({ token: TOKEN, now: () => clock.now() })
  fake.addCommit(A)
  fake.setBranch('main', A)
  await fake.start()
})

afterEach(() => fake.close())

describe('ForgeHttp: requests that are not idempotent', () => {
  test('a POST that met a 502 is not sent again: the server may have acted on it', async () => {
    fake.failNext(REFS, { status: 502 })
    const http = client()
    await expect(http.send(createRef)).rejects.toMatchObject({ errorClass: 'http_5xx' })
    expect(http.calls.requests).toBe(1)
    expect(fake.requestsTo(REFS)).toHaveLength(1)
  })

  test.each([429, 503])('a POST refused with %i and a Retry-After is sent again after the asked wait, and acts once', async (status) => {
    fake.failNext(REFS, { status, headers: { 'retry-after': '2' } })
    const http = client()
    await http.send(createRef)
    expect(clock.sleeps).toEqual([2000])
    expect(fake.refs().get('refs/fleet-lock/production')).toBe(A)
  })

  test('a POST whose connection was reset mid-request is not sent again', async () => {
    fake.failNext(REFS, { reset: true })
    const http = client()
    await expect(http.send(createRef)).rejects.toMatchObject({ errorClass: 'reset' })
    expect(http.calls.requests).toBe(1)
  })

  test('a POST to a closed port (never sent) is retried', async () => {
    const port = Number(new URL(fake.apiUrl).port)
    await fake.close()
    const http = new ForgeHttp({
      baseUrl: `http://127.0.0.1:${port}`,
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/json',
      clock,
      tuning: { attempts: 2 }
    })
    const error = await http.send(createRef).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FleetError)
    expect((error as FleetError).errorClass).toBe('refused')
    expect((error as FleetError).message).toMatch(/^POST \/repos\/acme\/fleet\/git\/refs failed: refused \(.*ECONNREFUSED/)
    expect(http.calls.requests).toBe(2)
  })
})

describe('ForgeHttp: limits', () => {
  test('a body over the size limit is too_large', async () => {
    const http = new ForgeHttp({ baseUrl: fake.apiUrl, authorization: `Bearer ${TOKEN}`, accept: 'application/json', clock, tuning: { maxBodyBytes: 64 } })
    await expect(http.send({ method: 'GET', path: '/repos/acme/fleet' })).rejects.toMatchObject({ errorClass: 'too_large' })
  })

  test('a server wait above the bound is not waited for, even on a 5xx', async () => {
    fake.failNext(/\/repos\/acme\/fleet$/, { status: 503, headers: { 'retry-after': '600' } })
    const http = client()
    await expect(http.send({ method: 'GET', path: '/repos/acme/fleet' })).rejects.toMatchObject({ errorClass: 'http_5xx', retryAfterSeconds: 600 })
    expect(clock.sleeps).toEqual([])
  })
})

describe('rateLimitWaitSeconds', () => {
  const now = Date.UTC(2026, 0, 1)
  test('Retry-After in seconds wins over the reset header', () => {
    expect(rateLimitWaitSeconds({ 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 100) }, now)).toBe(5)
  })
  test('Retry-After as an HTTP date', () => {
    expect(rateLimitWaitSeconds({ 'retry-after': new Date(now + 12_000).toUTCString() }, now)).toBe(12)
  })
  test('a spent limit waits until reset plus one second', () => {
    expect(rateLimitWaitSeconds({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }, now)).toBe(11)
  })
  test('remaining requests: no wait asked', () => {
    expect(rateLimitWaitSeconds({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': String(now / 1000 + 10) }, now)).toBeUndefined()
  })
})
