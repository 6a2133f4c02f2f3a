import { GitHubForge } from '../../src/forge/github.js'
import type { ForgeHttpTuning } from '../../src/forge/octokit.js'
import { FleetError, HttpStatusError } from '../../src/util/errors.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const A = 'a'.repeat(40)
const B = '7a72516' + 'b'.repeat(33)
const C = '7f25373' + 'c'.repeat(33)
const D = 'd'.repeat(40)
const TOKEN = 'ghs_secret_token_123'
const HEAD_PATH = /\/git\/ref\/heads\/main$/
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'

let clock: VirtualClock
let fake: FakeGitHub

function forge(tuning: Partial<ForgeHttpTuning> = {}): GitHubForge {
  return new GitHubForge({ repository: 'acme/fleet', token: TOKEN, http: { baseUrl: fake.apiUrl, clock, tuning } })
}

async function failure(promise: Promise<unknown>): Promise<FleetError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof FleetError) return error
    throw error
  }
  throw new Error('expected a FleetError')
}

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1))
  fake = new FakeGitHub({ token: TOKEN, now: () => clock.now() })
  // A ← B ← C (main); A ← D (side)
  fake.addCommit(A)
  fake.addCommit(B, [A])
  fake.addCommit(C, [B])
  fake.addCommit(D, [A])
  fake.setBranch('main', C)
  fake.setBranch('side', D)
  await fake.start()
})

afterEach(() => fake.close())

describe('GitHubForge reads', () => {
  test('reads the branch head through git/ref, then revalidates with If-None-Match and counts the 304', async () => {
    const github = forge()
    expect(await github.readBranchHead('main')).toBe(C)
    expect(await github.readBranchHead('main')).toBe(C)
    expect(github.calls).toEqual({ requests: 2, notModified: 1 })
    const [first, second] = fake.requestsTo(HEAD_PATH)
    expect(first!.headers['if-none-match']).toBeUndefined()
    expect(second!.headers['if-none-match']).toMatch(/^W\/"/)
  })

  test('a pushed commit changes the ETag, so the next read returns the new head', async () => {
    const github = forge()
    await github.readBranchHead('main')
    fake.pushCommit('main', 'e'.repeat(40))
    expect(await github.readBranchHead('main')).toBe('e'.repeat(40))
    expect(github.calls).toEqual({ requests: 2, notModified: 0 })
  })

  test('sends the documented auth and media headers, and the token is accepted', async () => {
    await forge().readBranchHead('main')
    const [req] = fake.requestsTo(HEAD_PATH)
    // Octokit's token authentication: `Authorization: token <token>`.
    expect(req!.headers.authorization).toBe('token')
    expect(req!.headers.accept).toBe('application/vnd.github+json')
    expect(req!.headers['x-github-api-version']).toBe('2022-11-28')
    expect(req!.headers['user-agent']).toMatch(/^fleet-forward octokit-rest\.js\//)
  })

  test('a wrong token is a 4xx naming the endpoint, not retried, without the token in the message', async () => {
    const github = new GitHubForge({ repository: 'acme/fleet', token: 'wrong-token-xyz', http: { baseUrl: fake.apiUrl, clock } })
    const error = await failure(github.readBranchHead('main'))
    expect(error).toBeInstanceOf(HttpStatusError)
    expect(error.errorClass).toBe('auth')
    expect(error.message).toContain('GET /repos/acme/fleet/git/ref/heads/main answered HTTP 401: Bad credentials; the forge refused the token')
    expect(error.message).not.toContain('wrong-token-xyz')
    expect(github.calls.requests).toBe(1)
  })

  test('reads the default branch', async () => {
    expect(await forge().defaultBranch()).toBe('main')
  })

  test('resolves a short SHA and a branch to full SHAs with the sha media type', async () => {
    const github = forge()
    expect(await github.resolveCommit('7f25373')).toBe(C)
    expect(await github.resolveCommit('side')).toBe(D)
    expect(fake.requestsTo(/\/commits\/7f25373$/)[0]!.headers.accept).toBe('application/vnd.github.sha')
  })

  test('an unknown commit is the 422 GitHub answers, classed http_4xx', async () => {
    const error = await failure(forge().resolveCommit('1234567'))
    expect(error.errorClass).toBe('http_4xx')
    expect(error.message).toContain('No commit found for SHA: 1234567')
  })
})

describe('GitHubForge.compare', () => {
  test.each([
    [B, C, 'ahead'],
    [C, B, 'behind'],
    [C, D, 'diverged'],
    ['7a72516', '7f25373', 'ahead']
  ])('compare(%s, %s) is %s', async (base, head, expected) => {
    expect(await forge().compare(base, head)).toBe(expected)
  })

  test('the same commit (short or full) is identical without a request', async () => {
    const github = forge()
    expect(await github.compare(C, '7F25373')).toBe('identical')
    expect(github.calls.requests).toBe(0)
  })

  test('asks for one commit per page: the status does not depend on the list', async () => {
    await forge().compare(A, C)
    expect(fake.requestsTo(/\/compare\//)[0]!.query.get('per_page')).toBe('1')
  })
})

describe('GitHubForge statuses', () => {
  test('latest status by context is the newest one with that context', async () => {
    const github = forge()
    await github.setStatus(C, { context: 'fleet-forward/staging', state: 'pending', description: 'verifying', targetUrl: null })
    await github.setStatus(C, { context: 'fleet-forward/staging', state: 'success', description: 'verified', targetUrl: 'https://ci/run/1' })
    await github.setStatus(C, { context: 'ci/build', state: 'failure', description: 'x', targetUrl: null })
    expect(await github.latestStatus(C, 'fleet-forward/staging')).toEqual({
      context: 'fleet-forward/staging',
      state: 'success',
      description: 'verified',
      targetUrl: 'https://ci/run/1'
    })
    expect(await github.latestStatus(C, 'fleet-forward/production')).toBeNull()
  })

  test('looks past the first page of 100 statuses', async () => {
    const github = forge()
    await github.setStatus(C, { context: 'fleet-forward/staging', state: 'success', description: '', targetUrl: null })
    for (let i = 0; i < 150; i++) await github.setStatus(C, { context: `other/${i}`, state: 'pending', description: '', targetUrl: null })
    expect((await github.latestStatus(C, 'fleet-forward/staging'))?.state).toBe('success')
    expect(fake.requestsTo(/\/statuses$/, 'GET').map((r) => r.query.get('page'))).toEqual(['1', '2'])
  })

  test('creates a status with the documented request fields', async () => {
    await forge().setStatus(C, { context: 'fleet-forward/production', state: 'success', description: 'verified 8/8', targetUrl: 'https://ci/run/2' })
    const [post] = fake.requestsTo(/\/statuses\//, 'POST')
    expect(post!.body).toEqual({ state: 'success', context: 'fleet-forward/production', description: 'verified 8/8', target_url: 'https://ci/run/2' })
    expect(fake.statuses(C)).toHaveLength(1)
  })

  test('a status write that met a 502 is sent again (repeat-safe) and stored once', async () => {
    fake.failNext(/\/statuses\//, { status: 502 })
    await forge().setStatus(C, { context: 'fleet-forward/production', state: 'success', description: '', targetUrl: null })
    expect(fake.statuses(C)).toHaveLength(1)
    expect(clock.sleeps).toEqual([1000])
  })
})

describe('GitHubForge deployments', () => {
  test('creates a deployment (201, its id) and posts its statuses with the documented fields', async () => {
    const github = forge()
    const id = await github.createDeployment({ sha: C, environment: 'staging', production: false, description: 'fleet-forward: staging-7f25373' })
    await github.setDeploymentStatus(id, {
      state: 'success',
      description: 'verified',
      logUrl: 'https://ci/run/3',
      environmentUrl: 'https://staging.example.com/'
    })
    expect(fake.deployments).toEqual([expect.objectContaining({ id, sha: C, environment: 'staging', productionEnvironment: false })])
    expect(fake.requestsTo(/\/deployments\/\d+\/statuses$/, 'POST')[0]!.body).toEqual({
      state: 'success',
      description: 'verified',
      log_url: 'https://ci/run/3',
      environment_url: 'https://staging.example.com/'
    })
  })

  test('a create whose connection was reset (it may have arrived) is not sent again', async () => {
    fake.failNext(/\/deployments$/, { reset: true })
    const github = forge()
    const error = await failure(github.createDeployment({ sha: C, environment: 'production', production: true, description: 'x' }))
    expect(error.errorClass).toBe('reset')
    expect(github.calls.requests).toBe(1)
  })

  test('a create that never reached GitHub (connection refused) is sent again, with backoff on the injected clock', async () => {
    await fake.close()
    const github = forge()
    const error = await failure(github.createDeployment({ sha: C, environment: 'production', production: true, description: 'x' }))
    expect(error.errorClass).toBe('refused')
    expect(github.calls.requests).toBe(4)
    expect(clock.sleeps).toEqual([1000, 2000, 4000])
  })

  test('a token without deployments: write is a permission error naming it, sent once', async () => {
    fake.denyPermission('deployments')
    const github = forge()
    const error = await failure(github.createDeployment({ sha: C, environment: 'production', production: true, description: 'x' }))
    expect(error.errorClass).toBe('permission')
    expect(error.message).toContain('answered HTTP 403: Resource not accessible by integration; the token lacks a permission: it needs deployments: write')
    expect(github.calls.requests).toBe(1)
  })
})

describe('GitHubForge lock writes', () => {
  test('a GraphQL rate limit (200, errors of type RATE_LIMITED) on the compare-and-swap waits until x-ratelimit-reset, then swaps', async () => {
    const github = forge()
    const holder = { runUrl: 'https://ci/run/1', sha: C, expiresAt: clock.now() + 600_000, nonce: 'n1' }
    const taken = await github.swapLock('production', null, holder)
    fake.failNext(/\/graphql$/, {
      status: 200,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(clock.now() / 1000) + 10) },
      body: { data: null, errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] }
    })
    const renewed = await github.swapLock('production', taken!.version, { ...holder, expiresAt: holder.expiresAt + 60_000 })
    expect(renewed?.holder?.expiresAt).toBe(holder.expiresAt + 60_000)
    expect(clock.sleeps).toEqual([11_000])
    expect(fake.requestsTo(/\/graphql$/, 'POST')).toHaveLength(2)
  })

  test('taking a free lock that met a 502 is not sent again: the caller re-reads', async () => {
    fake.failNext(/\/git\/refs$/, { afterWrite: { status: 502 } })
    const github = forge()
    const error = await failure(github.swapLock('production', null, { runUrl: 'https://ci/run/1', sha: C, expiresAt: clock.now() + 600_000, nonce: 'n1' }))
    expect(error.errorClass).toBe('http_5xx')
    expect(fake.requestsTo(/\/git\/refs$/, 'POST')).toHaveLength(1)
    expect((await github.readLock('production'))?.holder?.nonce).toBe('n1')
  })
})

describe('GitHubForge faults', () => {
  test('5xx is retried with backoff on the injected clock, then succeeds', async () => {
    fake.failNext(HEAD_PATH, { status: 502 }, 2)
    const github = forge()
    expect(await github.readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([1000, 2000])
    expect(github.calls.requests).toBe(3)
  })

  test('a secondary rate limit answered 429 with Retry-After waits exactly what the server asked', async () => {
    fake.failNext(HEAD_PATH, { status: 429, headers: { 'retry-after': '7' }, body: { message: SECONDARY } })
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([7000])
  })

  test('a secondary rate limit without Retry-After waits a minute (GitHub: "wait at least one minute")', async () => {
    fake.failNext(HEAD_PATH, { status: 403, body: { message: SECONDARY } })
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([60_000])
  })

  test('a secondary limit asking more than the allowed wait fails at once as rate_limited', async () => {
    fake.failNext(HEAD_PATH, { status: 403, body: { message: SECONDARY } })
    const github = forge({ maxRateLimitWaitMs: 30_000 })
    const error = await failure(github.readBranchHead('main'))
    expect(error.errorClass).toBe('rate_limited')
    expect((error as HttpStatusError).retryAfterSeconds).toBe(60)
    expect(clock.sleeps).toEqual([])
    expect(github.calls.requests).toBe(1)
  })

  test('the bound is on the total wait of one request, as for Gitea, the registry and the webhook: the wait that would pass it is not waited', async () => {
    fake.failNext(HEAD_PATH, { status: 429, headers: { 'retry-after': '40' }, body: { message: SECONDARY } }, 2)
    const github = forge()
    const error = await failure(github.readBranchHead('main'))
    expect(error.errorClass).toBe('rate_limited')
    expect((error as HttpStatusError).retryAfterSeconds).toBe(40)
    expect(clock.sleeps).toEqual([40_000])
    expect(github.calls.requests).toBe(2)
  })

  test('rate-limit retries are bounded: a limit that keeps answering fails rate_limited after the attempts', async () => {
    fake.failNext(HEAD_PATH, { status: 429, headers: { 'retry-after': '1' }, body: { message: SECONDARY } }, 10)
    const github = forge()
    expect((await failure(github.readBranchHead('main'))).errorClass).toBe('rate_limited')
    expect(github.calls.requests).toBe(4)
    expect(clock.sleeps).toEqual([1000, 1000, 1000])
  })

  test('a secondary rate limit (403 + Retry-After) is waited out, not reported as a permission error', async () => {
    fake.failNext(HEAD_PATH, { status: 403, headers: { 'retry-after': '3' }, body: { message: 'You have exceeded a secondary rate limit.' } })
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([3000])
  })

  test('a spent primary rate limit waits until x-ratelimit-reset (plus a second), then reads', async () => {
    fake.exhaustRateLimit(30)
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([31_000])
  })

  test("x-ratelimit-reset is an instant on the forge's clock (its Date header): a runner 10 minutes ahead still waits what the forge asks", async () => {
    await fake.close()
    fake = new FakeGitHub({ token: TOKEN, now: () => clock.now() - 600_000 })
    fake.addCommit(C)
    fake.setBranch('main', C)
    await fake.start()
    fake.exhaustRateLimit(30)
    const github = forge()
    expect(await github.readBranchHead('main')).toBe(C)
    // On the runner's clock the reset lies 9.5 minutes in the past: it would retry at once, into the spent limit.
    expect(clock.sleeps).toEqual([31_000])
    expect(github.calls.requests).toBe(2)
  })

  test('a rate-limit reset beyond the allowed wait fails at once as rate_limited, with the wait it asked', async () => {
    fake.exhaustRateLimit(3600)
    const github = forge()
    const error = await failure(github.readBranchHead('main'))
    expect(error.errorClass).toBe('rate_limited')
    expect((error as HttpStatusError).retryAfterSeconds).toBe(3601)
    expect(clock.sleeps).toEqual([])
    expect(github.calls.requests).toBe(1)
  })

  test('unreadable after every attempt: a FleetError with class http_5xx naming the endpoint', async () => {
    fake.failNext(HEAD_PATH, { status: 500 }, 10)
    const github = forge()
    const error = await failure(github.readBranchHead('main'))
    expect(error.errorClass).toBe('http_5xx')
    expect(error.message).toContain('GET /repos/acme/fleet/git/ref/heads/main answered HTTP 500')
    expect(github.calls.requests).toBe(4)
    expect(clock.sleeps).toEqual([1000, 2000, 4000])
  })

  test('a reset connection is retried', async () => {
    fake.failNext(HEAD_PATH, { reset: true })
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([1000])
  })

  test('a server that never answers hits the per-request deadline: class deadline', async () => {
    fake.failNext(HEAD_PATH, { hang: true }, 2)
    const error = await failure(forge({ deadlineMs: 50, attempts: 2 }).readBranchHead('main'))
    expect(error.errorClass).toBe('deadline')
    expect(error.message).toContain('GET /repos/acme/fleet/git/ref/heads/main failed: deadline')
  })

  test('a remote error body cannot carry workflow commands or echo the token into the message', async () => {
    fake.failNext(HEAD_PATH, { status: 404, body: { message: `::set-output name=result::deployed\n##[error]x token ${TOKEN}` } })
    const error = await failure(forge().readBranchHead('main'))
    expect(error.message).not.toContain('::')
    expect(error.message).not.toContain('##[')
    expect(error.message).not.toContain('\n')
    expect(error.message).not.toContain(TOKEN)
    expect(error.message).toContain('set-output name=result')
  })

  test('a body over the size limit is too_large, and not asked again', async () => {
    fake.failNext(HEAD_PATH, { status: 200, body: { object: { sha: C }, padding: 'x'.repeat(2000) } })
    const github = forge({ maxBodyBytes: 1000 })
    const error = await failure(github.readBranchHead('main'))
    expect(error.errorClass).toBe('too_large')
    expect(error.message).toContain('GET /repos/acme/fleet/git/ref/heads/main answered with a body over 1000 bytes')
    expect(github.calls.requests).toBe(1)
  })

  test('a body that is not the documented shape is bad_payload', async () => {
    fake.failNext(HEAD_PATH, { status: 200, body: { object: { sha: 'not-a-sha' } } })
    expect((await failure(forge().readBranchHead('main'))).errorClass).toBe('bad_payload')
  })
})

describe('GitHubForge clients in one process', () => {
  it('keep their own concurrency limit: ten requests of one client hanging do not stall another client', async () => {
    fake.failNext(HEAD_PATH, { hang: true }, 10)
    const stuck = forge({ deadlineMs: 120_000 })
    const hanging = Array.from({ length: 10 }, () => stuck.readBranchHead('main').catch(() => null))
    while (fake.requestsTo(HEAD_PATH).length < 10) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await forge().defaultBranch()).toBe('main')
    await fake.close()
    await Promise.all(hanging)
  })
})
