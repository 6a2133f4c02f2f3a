import { ForgeClient, policy, type ForgeHttpTuning } from '../../src/forge/octokit.js'
import { FleetError } from '../../src/util/errors.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const A = 'a'.repeat(40)
const TOKEN = 'ghs_http_token'
const REFS = /\/git\/refs$/

let clock: VirtualClock
let fake: FakeGitHub

function client(tuning: Partial<ForgeHttpTuning> = {}, baseUrl = fake.apiUrl): ForgeClient {
  return new ForgeClient({ baseUrl, token: TOKEN, headers: { accept: 'application/vnd.github+json' }, clock, tuning })
}

/** A create that is not repeat-safe: `POST /git/refs`. */
function createRef(forge: ForgeClient): Promise<unknown> {
  return forge.octokit.rest.git.createRef({ owner: 'acme', repo: 'fleet', ref: 'refs/fleet-lock/production', sha: A })
}

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1))
  fake = new FakeGitHub({ token: TOKEN, now: () => clock.now() })
  fake.addCommit(A)
  fake.setBranch('main', A)
  await fake.start()
})

afterEach(() => fake.close())

describe('ForgeClient: requests that are not idempotent', () => {
  test('a POST that met a 502 is not sent again: the server may have acted on it', async () => {
    fake.failNext(REFS, { status: 502 })
    const forge = client()
    await expect(createRef(forge)).rejects.toMatchObject({ errorClass: 'http_5xx' })
    expect(forge.calls.requests).toBe(1)
    expect(fake.requestsTo(REFS)).toHaveLength(1)
  })

  test.each([429, 503])('a POST refused with %i and a Retry-After is sent again after the asked wait, and acts once', async (status) => {
    fake.failNext(REFS, { status, headers: { 'retry-after': '2' } })
    await createRef(client())
    expect(clock.sleeps).toEqual([2000])
    expect(fake.refs().get('refs/fleet-lock/production')).toBe(A)
  })

  test('a POST whose connection was reset mid-request is not sent again', async () => {
    fake.failNext(REFS, { reset: true })
    const forge = client()
    await expect(createRef(forge)).rejects.toMatchObject({ errorClass: 'reset' })
    expect(forge.calls.requests).toBe(1)
  })

  test('a POST to a closed port (never sent) is retried', async () => {
    const port = Number(new URL(fake.apiUrl).port)
    await fake.close()
    const forge = client({ attempts: 2 }, `http://127.0.0.1:${port}`)
    const error = await createRef(forge).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FleetError)
    expect((error as FleetError).errorClass).toBe('refused')
    expect((error as FleetError).message).toMatch(/^POST \/repos\/acme\/fleet\/git\/refs failed: refused \(.*ECONNREFUSED/)
    expect(forge.calls.requests).toBe(2)
  })

  test('a POST declared repeat-safe is sent again after a 502', async () => {
    fake.failNext(/\/statuses\//, { status: 502 })
    const forge = client()
    await forge.octokit.rest.repos.createCommitStatus({ owner: 'acme', repo: 'fleet', sha: A, state: 'success', request: policy({ idempotent: true }) })
    expect(clock.sleeps).toEqual([1000])
    expect(fake.statuses(A)).toHaveLength(1)
  })
})

describe('ForgeClient: one retry rule', () => {
  test('the bound is on the total wait of one request: waits that each fit but together pass it are not all waited', async () => {
    fake.failNext(/\/repos\/acme\/fleet$/, { status: 503, headers: { 'retry-after': '40' } }, 2)
    const forge = client()
    await expect(forge.octokit.rest.repos.get({ owner: 'acme', repo: 'fleet' })).rejects.toMatchObject({ errorClass: 'http_5xx', retryAfterSeconds: 40 })
    expect(clock.sleeps).toEqual([40_000])
    expect(forge.calls.requests).toBe(2)
  })

  test('a server wait above the bound is not waited for, even on a 5xx', async () => {
    fake.failNext(/\/repos\/acme\/fleet$/, { status: 503, headers: { 'retry-after': '600' } })
    await expect(client().octokit.rest.repos.get({ owner: 'acme', repo: 'fleet' })).rejects.toMatchObject({ errorClass: 'http_5xx', retryAfterSeconds: 600 })
    expect(clock.sleeps).toEqual([])
  })
})

describe('ForgeClient: limits', () => {
  test('a body over the size limit is too_large', async () => {
    await expect(client({ maxBodyBytes: 64 }).octokit.rest.repos.get({ owner: 'acme', repo: 'fleet' })).rejects.toMatchObject({ errorClass: 'too_large' })
  })
})
