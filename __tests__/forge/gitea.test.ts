import { GiteaForge } from '../../src/forge/gitea.js'
import type { ForgeHttpTuning } from '../../src/forge/octokit.js'
import { FleetError } from '../../src/util/errors.js'
import { FakeGitea } from '../../test/support/fake-gitea.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const A = 'a'.repeat(40)
const B = '7a72516' + 'b'.repeat(33)
const C = '7f25373' + 'c'.repeat(33)
const D = 'd'.repeat(40)
const TOKEN = 'gitea_secret_token_456'
const HEAD_PATH = /\/branches\/main$/

let clock: VirtualClock
let fake: FakeGitea

function forge(tuning: Partial<ForgeHttpTuning> = {}): GiteaForge {
  return new GiteaForge({ repository: 'acme/fleet', token: TOKEN, http: { baseUrl: fake.apiUrl, clock, tuning } })
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
  fake = new FakeGitea({ token: TOKEN, now: () => clock.now() })
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

describe('GiteaForge reads', () => {
  test('reads the branch head from commit.id with a `token` Authorization header', async () => {
    const gitea = forge()
    expect(await gitea.readBranchHead('main')).toBe(C)
    const [req] = fake.requestsTo(HEAD_PATH)
    expect(req!.path).toBe('/api/v1/repos/acme/fleet/branches/main')
    expect(req!.headers.authorization).toBe('token')
    expect(req!.headers['user-agent']).toBe('fleet-forward')
  })

  test('Gitea sends no ETag, so every head read is a full read, counted', async () => {
    const gitea = forge()
    await gitea.readBranchHead('main')
    fake.pushCommit('main', 'e'.repeat(40))
    expect(await gitea.readBranchHead('main')).toBe('e'.repeat(40))
    expect(gitea.calls).toEqual({ requests: 2, notModified: 0 })
    expect(fake.requestsTo(HEAD_PATH).every((r) => r.headers['if-none-match'] === undefined)).toBe(true)
  })

  test('a wrong token answers 401 with Gitea’s error body; the message names the endpoint, not the token', async () => {
    const gitea = new GiteaForge({ repository: 'acme/fleet', token: 'not-the-token', http: { baseUrl: fake.apiUrl, clock } })
    const error = await failure(gitea.readBranchHead('main'))
    expect(error.errorClass).toBe('auth')
    expect(error.message).toBe(
      'GET /repos/acme/fleet/branches/main answered HTTP 401: user does not exist; the forge refused the token: check that the token input is set and not expired or revoked'
    )
  })

  test('reads the default branch', async () => {
    expect(await forge().defaultBranch()).toBe('main')
  })

  test('resolves a short SHA and a branch through git/commits, without stats', async () => {
    const gitea = forge()
    expect(await gitea.resolveCommit('7a72516')).toBe(B)
    expect(await gitea.resolveCommit('side')).toBe(D)
    const [req] = fake.requestsTo(/\/git\/commits\/7a72516$/)
    expect(Object.fromEntries(req!.query)).toEqual({ stat: 'false', verification: 'false', files: 'false' })
  })

  test('an unknown commit is Gitea’s 404', async () => {
    const error = await failure(forge().resolveCommit('1234567'))
    expect(error.errorClass).toBe('http_4xx')
    expect(error.message).toContain("HTTP 404: The target couldn't be found.")
  })
})

describe('GiteaForge.compare (commit counts with `not`, no compare endpoint)', () => {
  test.each([
    [B, C, 'ahead'],
    [C, B, 'behind'],
    [C, D, 'diverged'],
    ['7a72516', '7f25373', 'ahead']
  ])('compare(%s, %s) is %s', async (base, head, expected) => {
    expect(await forge().compare(base, head)).toBe(expected)
  })

  test('counts each side in one one-item request and never calls compare (404 on SHAs before 1.23)', async () => {
    const gitea = forge()
    await gitea.compare(B, C)
    const lists = fake.requestsTo(/\/commits$/)
    expect(lists.map((r) => [r.query.get('sha'), r.query.get('not'), r.query.get('limit')])).toEqual([
      [C, B, '1'],
      [B, C, '1']
    ])
    expect(fake.requestsTo(/\/compare\//)).toHaveLength(0)
    expect(gitea.calls.requests).toBe(2)
  })

  test('is exact however far apart the commits are (no walk bound)', async () => {
    let tip = C
    for (let i = 0; i < 300; i++) {
      tip = i.toString(16).padStart(4, '0') + 'f'.repeat(36)
      fake.pushCommit('main', tip)
    }
    expect(await forge().compare(A, tip)).toBe('ahead')
    expect(await forge().compare(tip, D)).toBe('diverged')
  })

  test('on Gitea before 1.20, which ignores `not`, fails with a clear error instead of answering diverged', async () => {
    const old = new FakeGitea({ token: TOKEN, before120: true })
    old.addCommit(A)
    old.addCommit(B, [A])
    old.addCommit(C, [B])
    await old.start()
    try {
      const error = await failure(
        new GiteaForge({ repository: 'acme/fleet', token: TOKEN, http: { baseUrl: old.apiUrl, clock: new VirtualClock() } }).compare(B, C)
      )
      expect(error.errorClass).toBe('forge')
      expect(error.message).toContain('needs Gitea 1.20 or newer')
    } finally {
      await old.close()
    }
  })

  test('the same commit is identical without a request', async () => {
    const gitea = forge()
    expect(await gitea.compare('7F25373', C)).toBe('identical')
    expect(gitea.calls.requests).toBe(0)
  })
})

describe('GiteaForge statuses', () => {
  test('latest by context is the highest index, even within one second where Gitea’s default order ties', async () => {
    const gitea = forge()
    await gitea.setStatus(C, { context: 'fleet-forward/staging', state: 'pending', description: 'verifying', targetUrl: null })
    await gitea.setStatus(C, { context: 'fleet-forward/staging', state: 'success', description: 'verified', targetUrl: 'https://ci/run/1' })
    expect(await gitea.latestStatus(C, 'fleet-forward/staging')).toEqual({
      context: 'fleet-forward/staging',
      state: 'success',
      description: 'verified',
      targetUrl: 'https://ci/run/1'
    })
    expect(fake.requestsTo(/\/statuses$/, 'GET')[0]!.query.get('sort')).toBe('leastindex')
  })

  test('reads the response field `status`; Gitea’s `warning` is not a success', async () => {
    fake.failNext(/\/statuses$/, { status: 200, body: [{ id: 1, status: 'warning', context: 'fleet-forward/staging', description: '', target_url: '' }] })
    expect(await forge().latestStatus(C, 'fleet-forward/staging')).toEqual({
      context: 'fleet-forward/staging',
      state: 'failure',
      description: '',
      targetUrl: null
    })
  })

  test('no status with the context: null, after reading every page', async () => {
    const gitea = forge()
    for (let i = 0; i < 60; i++) await gitea.setStatus(C, { context: `other/${i}`, state: 'success', description: '', targetUrl: null })
    expect(await gitea.latestStatus(C, 'fleet-forward/staging')).toBeNull()
    expect(fake.requestsTo(/\/statuses$/, 'GET').map((r) => r.query.get('page'))).toEqual(['1', '2'])
  })

  test('creates a status with the request field `state`', async () => {
    await forge().setStatus(C, { context: 'fleet-forward/production', state: 'success', description: 'verified 8/8', targetUrl: null })
    const [post] = fake.requestsTo(/\/statuses\//, 'POST')
    expect(post!.path).toBe(`/api/v1/repos/acme/fleet/statuses/${C}`)
    expect(post!.body).toEqual({ state: 'success', context: 'fleet-forward/production', description: 'verified 8/8', target_url: '' })
    expect(fake.statuses(C).map((s) => s.state)).toEqual(['success'])
  })
})

describe('GiteaForge faults', () => {
  test('5xx is retried on the injected clock, honouring a proxy’s Retry-After', async () => {
    fake.failNext(HEAD_PATH, { status: 503, headers: { 'retry-after': '4' } })
    fake.failNext(HEAD_PATH, { status: 502 })
    expect(await forge().readBranchHead('main')).toBe(C)
    expect(clock.sleeps).toEqual([4000, 2000])
  })

  test('unreadable after every attempt: class http_5xx', async () => {
    fake.failNext(HEAD_PATH, { status: 500 }, 10)
    const gitea = forge({ attempts: 3 })
    const error = await failure(gitea.readBranchHead('main'))
    expect(error.errorClass).toBe('http_5xx')
    expect(gitea.calls.requests).toBe(3)
  })

  test('a Gitea error body with workflow commands is neutralized', async () => {
    fake.failNext(HEAD_PATH, { status: 404, body: { message: '::add-mask::x\r::stop-commands::y', url: 'https://gitea.example/api/swagger' } })
    const error = await failure(forge().readBranchHead('main'))
    expect(error.message).not.toContain('::')
    expect(error.message).not.toContain('\r')
    expect(error.message).toContain('add-mask')
  })

  test('a missing X-Total-Count is bad_payload, not a guess', async () => {
    fake.failNext(/\/commits$/, { status: 200, body: [] })
    expect((await failure(forge().compare(B, C))).errorClass).toBe('bad_payload')
  })
})
