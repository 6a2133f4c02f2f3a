import type { Forge, LockHolder } from '../../src/forge/types.js'
import { GiteaForge } from '../../src/forge/gitea.js'
import { GitHubForge } from '../../src/forge/github.js'
import { refOf } from '../../src/forge/lock-github.js'
import { tagOf } from '../../src/forge/lock-gitea.js'
import { acquireLock, HeldLock, releaseByNonce, SKEW_GRACE_MS, type LockDeps, type LockRequest } from '../../src/stages/lock.js'
import { FakeGitea } from '../../test/support/fake-gitea.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { MemoryForge } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const SHA_A = '7a72516' + 'a'.repeat(33)
const SHA_B = '7f25373' + 'b'.repeat(33)
const T0 = Date.UTC(2026, 10, 23, 12)

/** A forge under test, with what the lock tests need to see and break. */
interface Subject {
  forge: Forge
  /** Makes the next lock write apply on the forge and then lose its answer. */
  loseNextWriteAnswer(): void
  /** Makes the next lock write fail without applying. */
  failNextWrite(): void
  close(): Promise<void>
}

function request(overrides: Partial<LockRequest> = {}): LockRequest {
  return { environment: 'production', runUrl: 'https://forge.example/acme/fleet/actions/runs/1', sha: SHA_A, leaseSeconds: 600, timeoutSeconds: 120, pollSeconds: 10, ...overrides }
}

let clock: VirtualClock
let nonces: number

function deps(forge: Forge, overrides: Partial<LockDeps> = {}): LockDeps & { log: RecordingLogger } {
  const log = new RecordingLogger()
  return { forge, clock, stillOwner: async () => true, nonce: () => `nonce-${++nonces}`, ...overrides, log }
}

async function take(forge: Forge, runUrl: string, sha = SHA_A, leaseSeconds = 600): Promise<HeldLock> {
  const outcome = await acquireLock(request({ runUrl, sha, leaseSeconds }), deps(forge))
  if (outcome.status !== 'held') throw new Error(`expected the lock, got ${outcome.status}`)
  return outcome.lock
}

const memory = async (): Promise<Subject> => {
  const forge = new MemoryForge().commit(SHA_A).commit(SHA_B, SHA_A).setBranch('main', SHA_B)
  return {
    forge,
    loseNextWriteAnswer: () => forge.lockFaults.push('lost-answer'),
    failNextWrite: () => forge.lockFaults.push('fail'),
    close: async () => undefined
  }
}

async function started<T extends FakeForgeServer>(fake: T): Promise<T> {
  fake.addCommit(SHA_A)
  fake.addCommit(SHA_B, [SHA_A])
  fake.setBranch('main', SHA_B)
  await fake.start()
  return fake
}

const tuning = { attempts: 2, backoffMs: 10, maxBackoffMs: 10 }

const github = async (): Promise<Subject & { fake: FakeGitHub }> => {
  const fake = await started(new FakeGitHub({ token: 't', now: () => clock.now() }))
  const forge = new GitHubForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock, tuning } })
  // Lock writes are POST /git/refs (take a free lock) and POST /graphql (take over, renew, release).
  const writes = /\/git\/refs$|\/graphql$/
  return {
    fake,
    forge,
    loseNextWriteAnswer: () => fake.failNext(writes, { afterWrite: { status: 502 } }),
    failNextWrite: () => fake.failNext(writes, { status: 502 }),
    close: () => fake.close()
  }
}

const gitea = async (): Promise<Subject & { fake: FakeGitea }> => {
  const fake = await started(new FakeGitea({ token: 't', now: () => clock.now() }))
  const forge = new GiteaForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock, tuning } })
  const writes = /\/tags$/
  return {
    fake,
    forge,
    loseNextWriteAnswer: () => fake.failNext(writes, { afterWrite: { status: 502 } }),
    failNextWrite: () => fake.failNext(writes, { status: 502 }),
    close: () => fake.close()
  }
}

beforeEach(() => {
  clock = new VirtualClock(T0)
  nonces = 0
})

describe.each([
  ['memory forge', memory],
  ['GitHub (fake REST + GraphQL)', github],
  ['Gitea 1.22 (fake)', gitea]
])('lock on %s', (_name, make) => {
  let subject: Subject

  beforeEach(async () => {
    subject = await make()
  })

  afterEach(async () => {
    await subject.close()
  })

  it('acquires a free lock and names its holder (run, commit, lease)', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    const state = await subject.forge.readLock('production')
    expect(state?.holder).toEqual({ runUrl: 'https://ci/run/1', sha: SHA_A, expiresAt: T0 + 600_000, nonce: lock.holder.nonce })
  })

  it('a contended lock makes the second run wait, log the holder, and end blocked at lock-timeout naming it', async () => {
    await take(subject.forge, 'https://ci/run/1')
    const waiter = deps(subject.forge)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_B, timeoutSeconds: 120 }), waiter)
    expect(outcome).toEqual({
      status: 'blocked',
      message: `lock 'production' is still held after 120s by https://ci/run/1 (commit 7a72516, lease until 2026-11-23T12:10:00.000Z); nothing changed`
    })
    expect(clock.now() - T0).toBeGreaterThanOrEqual(120_000)
    // Logged once when first seen, again only every minute.
    const waits = waiter.log.infos.filter((l) => l.startsWith("waiting for lock 'production': held by https://ci/run/1"))
    expect(waits.length).toBeGreaterThanOrEqual(2)
    expect(waits.length).toBeLessThanOrEqual(3)
    expect((await subject.forge.readLock('production'))?.holder?.runUrl).toBe('https://ci/run/1')
  })

  it('two runs racing for a free lock: exactly one wins', async () => {
    const [first, second] = await Promise.all([
      acquireLock(request({ runUrl: 'https://ci/run/1', timeoutSeconds: 0 }), deps(subject.forge)),
      acquireLock(request({ runUrl: 'https://ci/run/2', timeoutSeconds: 0 }), deps(subject.forge))
    ])
    expect([first.status, second.status].sort()).toEqual(['blocked', 'held'])
  })

  it('takes over a dead holder after its lease (plus the clock-skew grace), by compare-and-swap from the stale state', async () => {
    await take(subject.forge, 'https://ci/run/dead', SHA_A, 60)
    const waiter = deps(subject.forge)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_B, timeoutSeconds: 600 }), waiter)
    expect(outcome.status).toBe('held')
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 60_000 + SKEW_GRACE_MS)
    expect(clock.now()).toBeLessThan(T0 + 60_000 + SKEW_GRACE_MS + 10_000)
    expect(waiter.log.warnings.some((w) => w.includes('the lease of https://ci/run/dead') && w.includes('taking it over'))).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder?.runUrl).toBe('https://ci/run/2')
  })

  it('a takeover loses to a competitor that swapped first from the same stale state', async () => {
    await take(subject.forge, 'https://ci/run/dead', SHA_A, 60)
    const stale = await subject.forge.readLock('production')
    clock.advance(120_000)
    const competitor: LockHolder = { runUrl: 'https://ci/run/3', sha: SHA_B, expiresAt: clock.now() + 600_000, nonce: 'competitor' }
    expect(await subject.forge.swapLock('production', stale!.version, competitor)).not.toBeNull()
    // The same swap from the same stale state cannot succeed twice.
    const late: LockHolder = { ...competitor, runUrl: 'https://ci/run/4', nonce: 'late' }
    await expect(subject.forge.swapLock('production', stale!.version, late).catch(() => null)).resolves.toBeNull()
    expect((await subject.forge.readLock('production'))?.holder?.nonce).toBe('competitor')
  })

  it('a claim whose answer was lost (applied, then 502) is resolved by re-reading: the run holds the lock once', async () => {
    subject.loseNextWriteAnswer()
    const run = deps(subject.forge)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/1' }), run)
    expect(outcome.status).toBe('held')
    expect(run.log.warnings.some((w) => w.includes('our claim was not confirmed'))).toBe(true)
    const state = await subject.forge.readLock('production')
    expect(state?.holder?.runUrl).toBe('https://ci/run/1')
    // The lock names the nonce of the claim that landed, and the outcome carries that same holder.
    expect(outcome.status === 'held' && outcome.lock.holder.nonce).toBe(state?.holder?.nonce)
  })

  it('a claim that failed without being applied is retried and then held', async () => {
    subject.failNextWrite()
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/1' }), deps(subject.forge))
    expect(outcome.status).toBe('held')
    expect((await subject.forge.readLock('production'))?.holder?.runUrl).toBe('https://ci/run/1')
  })

  it('release frees the lock for the next run at once', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    await lock.release()
    expect((await subject.forge.readLock('production'))?.holder ?? null).toBeNull()
    const next = await acquireLock(request({ runUrl: 'https://ci/run/2', timeoutSeconds: 0 }), deps(subject.forge))
    expect(next.status).toBe('held')
  })

  it('a release whose answer was lost still leaves the lock free', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    subject.loseNextWriteAnswer()
    await lock.release()
    expect((await subject.forge.readLock('production'))?.holder ?? null).toBeNull()
  })

  it('renew proves the lock is still ours and extends the lease; after a takeover it answers false', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1', SHA_A, 60)
    clock.advance(30_000)
    expect(await lock.renew()).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder?.expiresAt).toBe(T0 + 90_000)
    clock.advance(200_000)
    const thief = await take(subject.forge, 'https://ci/run/2')
    expect(await lock.renew()).toBe(false)
    await lock.release()
    expect((await subject.forge.readLock('production'))?.holder?.nonce).toBe(thief.holder.nonce)
  })

  it('the post step releases by nonce only a lock that still names it', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    const log = new RecordingLogger()
    expect(await releaseByNonce(subject.forge, 'production', 'someone-else', log)).toBe(false)
    expect((await subject.forge.readLock('production'))?.holder?.runUrl).toBe('https://ci/run/1')
    expect(await releaseByNonce(subject.forge, 'production', lock.holder.nonce, log)).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder ?? null).toBeNull()
  })

  it('a waiting run leaves as superseded as soon as a newer commit owns the branch', async () => {
    await take(subject.forge, 'https://ci/run/2', SHA_B)
    let checks = 0
    const waiter = deps(subject.forge, { stillOwner: async () => ++checks < 3 })
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/1', timeoutSeconds: 600 }), waiter)
    expect(outcome).toEqual({ status: 'superseded' })
    expect(checks).toBe(3)
    expect(clock.now() - T0).toBe(20_000)
  })
})

describe('lock encodings on the forges', () => {
  it('GitHub: a ref under refs/fleet-forward/locks pointing at a commit whose message is the holder JSON', async () => {
    const subject = await github()
    try {
      const lock = await take(subject.forge, 'https://ci/run/1')
      const sha = subject.fake.refs().get(refOf('production'))
      expect(sha).toMatch(/^[0-9a-f]{40}$/)
      const created = subject.fake.requestsTo(/\/git\/commits$/, 'POST')[0]!
      const body = created.body as { message: string; parents: string[] }
      expect(body.parents).toEqual([])
      expect(JSON.parse(body.message.slice(body.message.indexOf('{')))).toEqual({
        run_url: 'https://ci/run/1',
        sha: SHA_A,
        expires_at: '2026-11-23T12:10:00.000Z',
        nonce: 'nonce-1'
      })
      // Takeover/renew/release never use REST PATCH (force is no compare-and-swap).
      await lock.renew()
      await lock.release()
      expect(subject.fake.requestsTo(/\/git\/refs/, 'PATCH')).toHaveLength(0)
    } finally {
      await subject.close()
    }
  })

  it('GitHub: takeover and release are GraphQL updateRefs with beforeOid = the state observed', async () => {
    const subject = await github()
    try {
      await take(subject.forge, 'https://ci/run/dead', SHA_A, 1)
      const stale = subject.fake.refs().get(refOf('production'))
      const lock = await take(subject.forge, 'https://ci/run/2')
      const takeover = subject.fake.requestsTo(/\/graphql$/, 'POST')[0]!.body as { variables: { input: { refUpdates: { beforeOid: string }[] } } }
      expect(takeover.variables.input.refUpdates[0]!.beforeOid).toBe(stale)
      await lock.release()
      expect(subject.fake.refs().has(refOf('production'))).toBe(false)
    } finally {
      await subject.close()
    }
  })

  it('Gitea: every transition creates the next generation tag; older generations are pruned', async () => {
    const subject = await gitea()
    try {
      const first = await take(subject.forge, 'https://ci/run/1')
      await first.release()
      const second = await take(subject.forge, 'https://ci/run/2')
      await second.release()
      const names = subject.fake.tagNames().filter((t) => t.startsWith('fleet-forward-lock/'))
      expect(names.sort()).toEqual([tagOf('production', 3), tagOf('production', 4)])
      // Losers of a generation get 409 from Gitea: exactly one creator per name.
      const state = await subject.forge.readLock('production')
      expect(state).toEqual({ version: '4', holder: null })
    } finally {
      await subject.close()
    }
  })

  it('Gitea: a claim on a pruned generation below the newest is rejected by the read-back', async () => {
    const subject = await gitea()
    try {
      const lock = await take(subject.forge, 'https://ci/run/1')
      await lock.release()
      await (await take(subject.forge, 'https://ci/run/2')).release()
      // A run with a stale view (it saw generation 1, long pruned) claims generation 2.
      const stale: LockHolder = { runUrl: 'https://ci/run/stale', sha: SHA_A, expiresAt: clock.now() + 600_000, nonce: 'stale' }
      expect(await subject.forge.swapLock('production', '1', stale)).toBeNull()
      expect((await subject.forge.readLock('production'))?.holder).toBeNull()
    } finally {
      await subject.close()
    }
  })
})
