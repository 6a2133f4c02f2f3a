import type { Dispatcher } from 'undici'
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
import type { Clock } from '../../src/util/clock.js'
import { proxyAwareDispatcher } from '../../src/util/dispatcher.js'
import { createServer } from 'node:net'

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
  /** From now on the forge refuses the token: 401 on every lock request, or 403 on every lock write. */
  refuse(status: 401 | 403): void
  /** The permission a refused lock write names. */
  readonly writePermission: string
  /** Another runner's view of the same forge, through its own clock. */
  connect(runnerClock: Clock): Forge
  close(): Promise<void>
}

function request(overrides: Partial<LockRequest> = {}): LockRequest {
  return {
    environment: 'production',
    runUrl: 'https://forge.example/acme/fleet/actions/runs/1',
    sha: SHA_A,
    leaseSeconds: 600,
    timeoutSeconds: 120,
    pollSeconds: 10,
    ...overrides
  }
}

let clock: VirtualClock
let nonces: number

function deps(forge: Forge, overrides: Partial<LockDeps> = {}): LockDeps & { log: RecordingLogger } {
  const log = new RecordingLogger()
  return { forge, clock, stillOwner: async () => true, nonce: () => `nonce-${++nonces}`, ...overrides, log }
}

async function take(forge: Forge, runUrl: string, sha = SHA_A, leaseSeconds = 600, runnerClock: Clock = clock): Promise<HeldLock> {
  const outcome = await acquireLock(request({ runUrl, sha, leaseSeconds }), deps(forge, { clock: runnerClock }))
  if (outcome.status !== 'held') throw new Error(`expected the lock, got ${outcome.status}`)
  return outcome.lock
}

const memory = async (): Promise<Subject> => {
  const forge = new MemoryForge('acme/fleet', { now: () => clock.now() }).commit(SHA_A).commit(SHA_B, SHA_A).setBranch('main', SHA_B)
  return {
    forge,
    loseNextWriteAnswer: () => forge.lockFaults.push('lost-answer'),
    failNextWrite: () => forge.lockFaults.push('fail'),
    refuse: (status) => (forge.refuseLock = status),
    writePermission: 'contents: write',
    // One forge in memory: its clock is the forge's own, whatever the runner's.
    connect: () => forge,
    close: async () => undefined
  }
}

/** A runner whose clock is off by `skewMs` from the forge's (the test's clock), and sleeps with it. */
function skewed(skewMs: number): Clock {
  return { now: () => clock.now() + skewMs, sleep: (ms, signal) => clock.sleep(ms, signal) }
}

const BAD_CREDENTIALS = { status: 401, body: { message: 'Bad credentials' } }
const NOT_ACCESSIBLE = { status: 403, body: { message: 'Resource not accessible by integration' } }
const ALWAYS = 1_000

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
  const connect = (runnerClock: Clock) => new GitHubForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock: runnerClock, tuning } })
  // Lock writes are POST /git/refs (take a free lock) and POST /graphql (take over, renew, release).
  const writes = /\/git\/refs$|\/graphql$/
  return {
    fake,
    forge: connect(clock),
    loseNextWriteAnswer: () => fake.failNext(writes, { afterWrite: { status: 502 } }),
    failNextWrite: () => fake.failNext(writes, { status: 502 }),
    refuse: (status) =>
      fake.failNext(
        status === 401 ? /\/git\/|\/graphql$/ : /\/git\/refs$|\/graphql$|\/git\/commits$/,
        status === 401 ? BAD_CREDENTIALS : NOT_ACCESSIBLE,
        ALWAYS
      ),
    writePermission: 'contents: write',
    connect,
    close: () => fake.close()
  }
}

const gitea = async (): Promise<Subject & { fake: FakeGitea }> => {
  const fake = await started(new FakeGitea({ token: 't', now: () => clock.now() }))
  const connect = (runnerClock: Clock) => new GiteaForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock: runnerClock, tuning } })
  const writes = /\/tags$/
  return {
    fake,
    forge: connect(clock),
    loseNextWriteAnswer: () => fake.failNext(writes, { afterWrite: { status: 502 } }),
    failNextWrite: () => fake.failNext(writes, { status: 502 }),
    refuse: (status) =>
      fake.failNext(status === 401 ? /fleet-forward-lock|\/tags$|\/git\/tags\// : writes, status === 401 ? BAD_CREDENTIALS : NOT_ACCESSIBLE, ALWAYS),
    writePermission: 'write:repository',
    connect,
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
    expect(lock.previous).toEqual([])
  })

  it('a run that waited for the lock keeps the holder it waited on, whose rollouts may still be landing', async () => {
    const first = await take(subject.forge, 'https://ci/run/1', SHA_B)
    // The holder releases while the second run waits (its first poll asks whether it still owns the branch).
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_A }), deps(subject.forge, { stillOwner: () => first.release() }))
    expect(outcome.status === 'held' && outcome.lock.previous).toEqual([{ runUrl: 'https://ci/run/1', sha: SHA_B }])
  })

  it('a run that finds the lock released keeps the run that released it, whose rollouts may still be landing (a killed run released by its post step)', async () => {
    const first = await take(subject.forge, 'https://ci/run/1', SHA_B)
    expect(await releaseByNonce(subject.forge, 'production', first.holder.nonce, new RecordingLogger())).toBe(true)
    expect(await subject.forge.readLock('production')).toEqual(
      expect.objectContaining({ holder: null, released: [{ runUrl: 'https://ci/run/1', sha: SHA_B }] })
    )
    const second = deps(subject.forge)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_A, timeoutSeconds: 0 }), second)
    expect(outcome.status === 'held' && outcome.lock.previous).toEqual([{ runUrl: 'https://ci/run/1', sha: SHA_B }])
    expect(second.log.infos.find((l) => l.startsWith("lock 'production' acquired"))).toMatch(/, released by https:\/\/ci\/run\/1 \(commit 7f25373\)$/)
    // The main step's own release names its run first, then the run it had learned of: a chain of runs
    // that rolled nothing does not forget a run whose rollouts may still be landing.
    if (outcome.status === 'held') await outcome.lock.release()
    expect((await subject.forge.readLock('production'))?.released).toEqual([
      { runUrl: 'https://ci/run/2', sha: SHA_A },
      { runUrl: 'https://ci/run/1', sha: SHA_B }
    ])
    const third = await acquireLock(request({ runUrl: 'https://ci/run/3', sha: SHA_A, timeoutSeconds: 0 }), deps(subject.forge))
    expect(third.status === 'held' && third.lock.previous).toEqual([{ runUrl: 'https://ci/run/1', sha: SHA_B }])
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
    expect(outcome.status === 'held' && outcome.lock.previous).toEqual([{ runUrl: 'https://ci/run/dead', sha: SHA_A }])
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

  it('a waiting runner whose clock runs 15 minutes ahead does not take over a live holder: the lease ends on the forge clock', async () => {
    const holder = await take(subject.forge, 'https://ci/run/1')
    const ahead = skewed(15 * 60_000)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_B, timeoutSeconds: 1200 }), deps(subject.connect(ahead), { clock: ahead }))
    expect(outcome.status).toBe('held')
    // Taken over only once the holder's lease (600 s from T0 on the forge's clock) and the grace ended.
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 600_000 + SKEW_GRACE_MS)
    expect(outcome.status === 'held' && outcome.lock.holder.nonce).not.toBe(holder.holder.nonce)
  })

  it('a holder whose clock runs 15 minutes behind writes its lease on the forge clock, so others see it live', async () => {
    const behind = skewed(-15 * 60_000)
    await take(subject.connect(behind), 'https://ci/run/1', SHA_A, 600, behind)
    expect((await subject.forge.readLock('production'))?.holder?.expiresAt).toBe(T0 + 600_000)
    const outcome = await acquireLock(request({ runUrl: 'https://ci/run/2', sha: SHA_B, timeoutSeconds: 1200 }), deps(subject.forge))
    expect(outcome.status).toBe('held')
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 600_000 + SKEW_GRACE_MS)
  })

  it('ensureHeld writes nothing while more than half of the lease remains, then renews by compare-and-swap', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1', SHA_A, 600)
    clock.advance(299_000)
    const before = subject.forge.calls.requests
    expect(await lock.ensureHeld()).toBe(true)
    expect(subject.forge.calls.requests).toBe(before)
    clock.advance(2_000)
    expect(await lock.ensureHeld()).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder).toMatchObject({ nonce: lock.holder.nonce, expiresAt: T0 + 301_000 + 600_000 })
  })

  it('a token refused while waiting for the lock ends the wait at once with class auth', async () => {
    await take(subject.forge, 'https://ci/run/1')
    let checks = 0
    const waiter = deps(subject.forge, {
      stillOwner: async () => {
        if (++checks === 2) subject.refuse(401)
        return true
      }
    })
    const error = await acquireLock(request({ runUrl: 'https://ci/run/2', timeoutSeconds: 600 }), waiter).catch((e: unknown) => e)
    expect(error).toMatchObject({ errorClass: 'auth', message: expect.stringContaining("lock 'production'") })
    // Two polls, then the refused read: no waiting out lock-timeout.
    expect(clock.now() - T0).toBe(20_000)
  })

  it('a token that may not write the lock fails the claim at once with class permission, naming the permission', async () => {
    subject.refuse(403)
    const error = await acquireLock(request({ runUrl: 'https://ci/run/1', timeoutSeconds: 600 }), deps(subject.forge)).catch((e: unknown) => e)
    expect(error).toMatchObject({ errorClass: 'permission', message: expect.stringContaining(subject.writePermission) })
    expect(clock.now()).toBe(T0)
  })

  it('a renewal refused for want of permission throws permission instead of answering false', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    subject.refuse(403)
    clock.advance(400_000)
    await expect(lock.ensureHeld()).rejects.toMatchObject({ errorClass: 'permission' })
  })

  it('a release the forge did not answer reports false and leaves the lock to the post step, whose retry frees it', async () => {
    const lock = await take(subject.forge, 'https://ci/run/1')
    subject.failNextWrite()
    subject.failNextWrite()
    expect(await lock.release()).toBe(false)
    expect((await subject.forge.readLock('production'))?.holder?.nonce).toBe(lock.holder.nonce)
    subject.failNextWrite()
    expect(await releaseByNonce(subject.forge, 'production', lock.holder.nonce, new RecordingLogger(), clock)).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder ?? null).toBeNull()
  })

  it('hands over the nonce before the claim is sent, so a post step can release a claim whose sender was killed', async () => {
    const killed = new AbortController()
    const handed: (string | null)[] = []
    subject.loseNextWriteAnswer()
    const run = deps(subject.forge, { signal: killed.signal, onClaim: (nonce) => (handed.push(nonce), killed.abort(new Error('killed'))) })
    await expect(acquireLock(request({ runUrl: 'https://ci/run/1' }), run)).rejects.toThrow('killed')
    expect(handed).toEqual(['nonce-1'])
    expect((await subject.forge.readLock('production'))?.holder?.nonce).toBe('nonce-1')
    expect(await releaseByNonce(subject.forge, 'production', 'nonce-1', new RecordingLogger(), clock)).toBe(true)
    expect((await subject.forge.readLock('production'))?.holder ?? null).toBeNull()
  })

  it('a run that lost the race takes back the nonce it handed over: none of its claims is in the lock', async () => {
    const handed = new Map<string, (string | null)[]>()
    const racer = (runUrl: string) => {
      handed.set(runUrl, [])
      return acquireLock(request({ runUrl, timeoutSeconds: 0 }), deps(subject.forge, { onClaim: (nonce) => handed.get(runUrl)!.push(nonce) }))
    }
    const [first, second] = await Promise.all([racer('https://ci/run/1'), racer('https://ci/run/2')])
    const loser = first.status === 'held' ? 'https://ci/run/2' : 'https://ci/run/1'
    const winner = first.status === 'held' ? 'https://ci/run/1' : 'https://ci/run/2'
    expect([first.status, second.status].sort()).toEqual(['blocked', 'held'])
    expect(handed.get(winner)).toHaveLength(1)
    expect(handed.get(loser)).toEqual([expect.any(String), null])
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

  it('GitHub: takeover and release are GraphQL updateRefs with beforeOid = the state observed; a release points the ref at a commit naming the releasing run', async () => {
    const subject = await github()
    try {
      await take(subject.forge, 'https://ci/run/dead', SHA_A, 1)
      const stale = subject.fake.refs().get(refOf('production'))
      const lock = await take(subject.forge, 'https://ci/run/2')
      const updates = () =>
        subject.fake
          .requestsTo(/\/graphql$/, 'POST')
          .map((r) => (r.body as { variables: { input: { refUpdates: { beforeOid: string; afterOid: string }[] } } }).variables.input.refUpdates[0]!)
      expect(updates()[0]!.beforeOid).toBe(stale)
      const held = subject.fake.refs().get(refOf('production'))
      await lock.release()
      const release = updates()[1]!
      expect(release.beforeOid).toBe(held)
      expect(subject.fake.refs().get(refOf('production'))).toBe(release.afterOid)
      const message = (subject.fake.requestsTo(/\/git\/commits$/, 'POST').at(-1)!.body as { message: string }).message
      expect(JSON.parse(message.slice(message.indexOf('{')))).toEqual({ released: true, run_url: 'https://ci/run/2', sha: SHA_A })
    } finally {
      await subject.close()
    }
  })

  it('GitHub: a GraphQL FORBIDDEN answer to a renewal is a permission error naming contents: write', async () => {
    const subject = await github()
    try {
      const lock = await take(subject.forge, 'https://ci/run/1')
      const forbidden = { data: { updateRefs: null }, errors: [{ type: 'FORBIDDEN', path: ['updateRefs'], message: 'Resource not accessible by integration' }] }
      subject.fake.failNext(/\/graphql$/, { status: 200, body: forbidden })
      await expect(lock.renew()).rejects.toMatchObject({ errorClass: 'permission', message: expect.stringContaining('contents: write') })
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
      expect(state).toEqual({ version: '4', holder: null, released: [{ runUrl: 'https://ci/run/2', sha: SHA_A }] })
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

describe.each([
  [
    'GitHub',
    (baseUrl: string, dispatcher: Dispatcher) => new GitHubForge({ repository: 'acme/fleet', token: 't', http: { baseUrl, clock, tuning, dispatcher } })
  ],
  ['Gitea', (baseUrl: string, dispatcher: Dispatcher) => new GiteaForge({ repository: 'acme/fleet', token: 't', http: { baseUrl, clock, tuning, dispatcher } })]
])('lock on %s behind a proxy that is not there', (_name, connect) => {
  it('ends at once with class proxy, naming the proxy, instead of retrying the read until lock-timeout', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    const dispatcher = proxyAwareDispatcher({ httpProxy: `http://user:hunter2secret@127.0.0.1:${port}` }, {})
    try {
      const waiter = deps(connect('http://forge.invalid/api', dispatcher))
      const error = await acquireLock(request({ timeoutSeconds: 600 }), waiter).catch((e: unknown) => e)
      expect(error).toMatchObject({ errorClass: 'proxy', message: expect.stringContaining(`lock 'production': `) })
      expect((error as Error).message).toContain(`proxy 127.0.0.1:${port} could not be connected to (ECONNREFUSED)`)
      expect((error as Error).message).not.toContain('hunter2secret')
      expect(clock.now()).toBe(T0)
      expect(waiter.log.warnings).toEqual([])
    } finally {
      await dispatcher.close()
    }
  })
})

describe.each([
  [
    'GitHub',
    () => started(new FakeGitHub({ token: 't', now: () => clock.now() })),
    (baseUrl: string) => new GitHubForge({ repository: 'acme/secret', token: 't', http: { baseUrl, clock, tuning } }),
    'a GitHub App installation token or a fine-grained token granted that repository'
  ],
  [
    'Gitea',
    () => started(new FakeGitea({ token: 't', now: () => clock.now() })),
    (baseUrl: string) => new GiteaForge({ repository: 'acme/secret', token: 't', http: { baseUrl, clock, tuning } }),
    'a token of a user with write access to it'
  ]
])('lock on %s for a repository the token cannot see', (_name, start, connect, grant) => {
  it('ends at once with class not_found, in the words of every other not_found, instead of claiming until lock-timeout', async () => {
    // The fakes answer 404 to every request about a repository they do not have, as both forges do for a private one.
    const fake = await start()
    try {
      const waiter = deps(connect(fake.apiUrl))
      const error = await acquireLock(request({ timeoutSeconds: 600 }), waiter).catch((e: unknown) => e)
      expect(error).toMatchObject({ errorClass: 'not_found' })
      expect((error as Error).message).toMatch(
        /^lock 'production': repository 'acme\/secret' cannot be seen with this token \(GET \/repos\/acme\/secret answered 404\): it is private and the token has no access to it, the name is wrong, or the token belongs to another installation or user; /
      )
      expect((error as Error).message).toContain(grant)
      expect(clock.now()).toBe(T0)
      expect(waiter.log.warnings).toEqual([])
      expect(fake.requests.filter((req) => req.method !== 'GET')).toEqual([])
    } finally {
      await fake.close()
    }
  })
})
