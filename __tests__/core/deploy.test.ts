import { Agent } from 'undici'
import { parseSettings } from '../../src/config/parse.js'
import { deployFleet } from '../../src/core/deploy.js'
import type { DeployDeps } from '../../src/core/run.js'
import { leaseSecondsFor, SKEW_GRACE_MS } from '../../src/stages/lock.js'
import { RedeployStopped } from '../../src/stages/redeploy.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { pushImage, putManifest } from '../../test/support/registry-push.js'
import { startRegistry, type RunningRegistry } from '../../test/support/registry.js'
import { BASE, MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { assertDocumentedRecord } from '../../test/support/record-schema.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const NAMES = ['hongming', 'ana', 'bo']

let fleet: FakeFleet
let controlPlane: ControlPlane
let forge: MemoryForge
let clock: VirtualClock

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 10, 23))
  fleet = await startFakeFleet({ sha: OLDER, clock })
  controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
  forge = new MemoryForge('acme/fleet', clock).commit(BASE).commit(OLDER, BASE).commit(NEWER, OLDER).setBranch('main', NEWER)
})

afterEach(async () => {
  await Promise.all([fleet.close(), controlPlane.close()])
})

function settings(inputs: Record<string, string> = {}) {
  const all: Record<string, string> = {
    token: 't',
    branch: 'main',
    sha: NEWER,
    tenants: NAMES.map((n) => `${n} ${fleet.url(n)}`).join('\n'),
    'redeploy-url': `${controlPlane.url}/roll`,
    'settle-budget': '60',
    'settle-interval': '10',
    ...inputs
  }
  return parseSettings(
    (name) => all[name] ?? '',
    { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '1', GITHUB_ACTOR: 'octocat' },
    () => ''
  )
}

function run(inputs: Record<string, string> = {}, signal = new AbortController().signal, extra: Partial<DeployDeps> = {}) {
  const log = new RecordingLogger()
  return deployFleet(settings(inputs), { forge, clock, log, signal, ...extra }).then((record) => ({ record: assertDocumentedRecord(record), log }))
}

const NEWEST = '9e1e7e5' + '0'.repeat(33)

/** Pushes a newer commit on main, as a developer would while a deploy runs. */
function pushNewest(): void {
  forge.commit(NEWEST, NEWER).setBranch('main', NEWEST)
}

describe('deployFleet', () => {
  it('deploys and verifies', async () => {
    const { record } = await run()
    expect(record).toMatchObject({ result: 'deployed', head_sha: NEWER, expected_sha: NEWER, rounds: 1 })
    expect(controlPlane.calls).toHaveLength(1)
  })

  it('records who ran it, when it started, and per tenant the commit before and when it was told to roll', async () => {
    const startedAt = clock.now()
    fleet.set('ana', { sha: NEWER })
    const { record } = await run()
    expect(record).toMatchObject({ schema_version: 2, started_at: new Date(startedAt).toISOString(), actor: 'octocat', result: 'deployed' })
    const byName = new Map(record.tenants.map((t) => [t.name, t]))
    // ana already ran the commit: not redeployed, and its before is the commit itself.
    expect(byName.get('ana')).toMatchObject({ before: NEWER, actual: NEWER, redeployed: false, redeployed_at: null })
    const rolled = record.tenants.filter((t) => t.name !== 'ana')
    expect(rolled.length).toBeGreaterThan(0)
    for (const t of rolled) {
      expect(t).toMatchObject({ before: OLDER, actual: NEWER, redeployed: true })
      expect(Date.parse(t.redeployed_at!)).toBeGreaterThanOrEqual(startedAt)
      expect(Date.parse(t.redeployed_at!)).toBeLessThanOrEqual(Date.parse(record.ts))
    }
  })

  it("a dry run plans with each tenant's before and redeploys none", async () => {
    const { record } = await run({ 'dry-run': 'true' })
    expect(record.result).toBe('planned')
    expect(record.tenants.every((t) => t.before === OLDER && !t.redeployed && t.redeployed_at === null)).toBe(true)
  })

  it('is a noop when the fleet already reports the commit: nothing is redeployed', async () => {
    fleet.setDefaultSha(NEWER)
    const { record } = await run()
    expect(record.result).toBe('noop')
    expect(record.message).toBe('nothing to do: 3/3 tenants report 7f25373')
    expect(controlPlane.calls).toHaveLength(0)
    // The probe that planned the redeploy found them settled; verify reads each once more for its verdict.
    expect(NAMES.map((name) => fleet.requests(name))).toEqual([2, 2, 2])
  })

  it('re-checks ownership just before the redeploy: a push after the first read means no side effect', async () => {
    forge.onHeadRead = (count) => {
      if (count === 2) forge.commit('9e1e7e5' + '0'.repeat(33), NEWER).setBranch('main', '9e1e7e5' + '0'.repeat(33))
    }
    const { record } = await run()
    expect(record.result).toBe('superseded')
    expect(record.head_sha).toBe('9e1e7e5' + '0'.repeat(33))
    expect(record.message).toContain("owned by 9e1e7e5 (ahead of this run's 7f25373)")
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('ends verify green as superseded when a newer commit lands between rounds', async () => {
    fleet.set('hongming', { sha: OLDER })
    const { record } = await run({}, undefined, { onRound: (round) => round === 1 && pushNewest() })
    expect(record.result).toBe('superseded')
    expect(controlPlane.calls).toHaveLength(1)
    // The check after round 1 saw the newer commit: verify stopped there, long before the budget's end.
    expect(record.rounds).toBe(1)
  })

  it('lets a lagging tenant settle inside the budget instead of calling it stale after one read', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: clock.now() + 25_000, sha: NEWER }] })
    const { record, log } = await run()
    expect(record.result).toBe('deployed')
    expect(record.tenants.find((t) => t.name === 'hongming')).toMatchObject({ state: 'converged', attempts: 4, seconds_to_converge: 30 })
    expect(log.errors).toEqual([])
  })

  it('never rolls a tenant it cannot prove is behind: head unreadable, compare failing, fleet ahead', async () => {
    forge.setBranch('main', NEWER)
    forge.failReads = 1000
    forge.compare = async () => {
      throw new Error('compare answered HTTP 502')
    }
    fleet.setDefaultSha(NEWER)
    const { record, log } = await run({ sha: OLDER, 'settle-budget': '20' })
    expect(controlPlane.calls).toHaveLength(0)
    expect(log.warnings).toEqual(expect.arrayContaining([expect.stringContaining('not redeploying 3 tenant(s)')]))
    expect(record.result).toBe('stale')
  })

  it('fail-open never rolls back: an older run that cannot read the head leaves a tenant that blipped at planning alone', async () => {
    // The incident's older run, the head unreadable (502) for the whole run, the fleet already on NEWER,
    // and hongming answering 500 to the planning probe only.
    forge.failReads = 1000
    fleet.setDefaultSha(NEWER)
    fleet.set('hongming', { status: 500 })
    const { record, log } = await run({ sha: OLDER, 'settle-budget': '20' }, undefined, {
      onRound: () => fleet.set('hongming', { sha: NEWER })
    })
    expect(controlPlane.calls).toHaveLength(0)
    expect(log.warnings).toContain(
      'not redeploying any tenant: this run could not prove it owns the branch, and 2 tenant(s) already run a newer commit (ana actual=7f25373, bo actual=7f25373)'
    )
    expect(record.tenants.find((t) => t.name === 'hongming')).toMatchObject({ state: 'ahead', actual: NEWER })
  })

  it('fail-open rolls the tenants proven behind and leaves one whose commit it could not read alone', async () => {
    forge.failReads = 1000
    fleet.setDefaultSha(BASE)
    fleet.set('hongming', { blip: { count: 1, status: 500 } })
    // (This fake control plane moves the whole fleet's default commit, so hongming follows ana and bo.)
    const { record, log } = await run({ sha: OLDER, 'target-tag': 'staging-7a72516', 'settle-budget': '10' })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['ana', 'bo']])
    expect(log.warnings).toContain(
      'not redeploying 1 tenant(s) whose commit is unknown or unrelated (hongming): this run could not prove it owns the branch, and rolling them could move them backward'
    )
    expect(record.result).toBe('deployed')
  })

  it('fail-open rolls nothing once any tenant runs a newer commit: an older report may be a container that fell back', async () => {
    forge.failReads = 1000
    fleet.setDefaultSha(NEWER)
    // ana's container crash-loops on the image before OLDER: proven behind OLDER, yet the fleet is on NEWER.
    fleet.set('ana', { sha: BASE })
    const { record, log } = await run({ sha: OLDER, 'settle-budget': '10' })
    expect(controlPlane.calls).toHaveLength(0)
    expect(log.warnings).toContain(
      'not redeploying any tenant: this run could not prove it owns the branch, and 2 tenant(s) already run a newer commit (hongming actual=7f25373, bo actual=7f25373)'
    )
    expect(record.result).toBe('stale')
  })

  it('fail-open rolls nothing when a tenant runs a commit it could not compare: it may be a newer one', async () => {
    // The newer run's rollout landed on hongming and bo; the forge cannot answer how NEWER relates to OLDER.
    forge.failReads = 1000
    fleet.setDefaultSha(NEWER)
    fleet.set('ana', { sha: BASE })
    const compare = forge.compare.bind(forge)
    forge.compare = async (base, head) => {
      if (head === NEWER) throw new Error('compare answered HTTP 502')
      return compare(base, head)
    }
    const { log } = await run({ sha: OLDER, 'settle-budget': '10' })
    expect(controlPlane.calls).toHaveLength(0)
    expect(log.warnings).toContain(
      'not redeploying any tenant: this run could not prove it owns the branch, and 2 tenant(s) already run a newer commit (hongming actual=7f25373, bo actual=7f25373)'
    )
  })

  it('a run that deploys an earlier release leaves a tenant whose commit it could not read alone: it may run the head', async () => {
    // A dispatch from main at NEWER of the image of OLDER; hongming answers 500 to the planning probe.
    fleet.setDefaultSha(BASE)
    fleet.set('hongming', { blip: { count: 1, status: 500 } })
    const { log } = await run({ sha: NEWER, 'target-tag': 'staging-7a72516', 'expected-sha': OLDER, 'settle-budget': '10' })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['ana', 'bo']])
    expect(log.warnings).toContain(
      'not redeploying 1 tenant(s) whose commit is unknown or unrelated (hongming): this run deploys 7a72516, not the branch head 7f25373, and rolling them could move them backward'
    )
  })

  it('fail-open still rolls a tenant proven behind when nothing newer is in sight', async () => {
    forge.failReads = 1000
    const { record, log } = await run({ 'settle-budget': '10' })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['hongming', 'ana', 'bo']])
    expect(log.warnings.some((w) => w.startsWith('not redeploying'))).toBe(false)
    expect(record.result).toBe('deployed')
  })

  it('an owning run rolls a tenant whose commit it could not read at planning', async () => {
    fleet.set('hongming', { status: 500 })
    const { record } = await run({}, undefined, { onRound: () => fleet.set('hongming', { sha: NEWER }) })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['hongming', 'ana', 'bo']])
    expect(record.result).toBe('deployed')
  })

  it('writes no success status over a tenant converged at planning that fails its verdict read', async () => {
    fleet.setDefaultSha(NEWER)
    fleet.set('ana', { sha: OLDER, schedule: [{ from: clock.now() + 10_000, sha: NEWER }] })
    let rounds = 0
    const { record } = await run({ 'settle-budget': '20' }, undefined, {
      // hongming and bo were settled at planning and are not polled; bo goes down before the verdict.
      onRound: () => ++rounds === 1 && fleet.set('bo', { status: 500 })
    })
    expect(record.result).toBe('stale')
    expect(record.tenants.find((t) => t.name === 'bo')).toMatchObject({ state: 'unreachable', error_class: 'http_5xx' })
    expect(forge.statuses.get(NEWER)?.map((s) => s.state)).toEqual(['failure'])
  })

  it('plans but writes nothing in a dry run', async () => {
    const { record } = await run({ 'dry-run': 'true' })
    expect(record).toMatchObject({ result: 'planned', dry_run: true })
    expect(record.message).toBe('dry run: 3 of 3 tenant(s) to roll to staging-7f25373 (7f25373); nothing written')
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('ends a dry run red when it could not read what its plan needs: the branch head, a tenant', async () => {
    forge.failReads = 1000
    fleet.set('bo', { status: 503 })
    const { record } = await run({ 'dry-run': 'true' })
    expect(record.result).toBe('failed')
    expect(record.message).toBe(
      'dry run could not plan: the branch head could not be read (see the warning above); 1 tenant(s) could not be read (bo: http_5xx); nothing written'
    )
    expect(forge.lockWrites).toEqual([])
  })

  it('prints a dry run plan wave by wave, from which commit each tenant would roll', async () => {
    fleet.set('ana', { sha: NEWER })
    fleet.set('bo', { status: 503 })
    const { log, record } = await run({ 'dry-run': 'true', waves: '1, 100%' })
    // The record keeps the plan: each tenant's wave and the commit it would roll from.
    expect(record.tenants.map((t) => [t.name, t.wave, t.before && t.before.slice(0, 7), t.redeployed])).toEqual([
      ['hongming', 1, '7a72516', false],
      ['ana', 2, '7f25373', false],
      ['bo', 2, null, false]
    ])
    expect(log.infos).toEqual(
      expect.arrayContaining([
        'dry run, wave 1 of 2: would roll 1 (hongming 7a72516 → 7f25373), then verify 1 tenant(s)',
        'dry run, wave 2 of 2: would roll 1 (bo unknown (unreachable: http_5xx) → 7f25373), then verify 2 tenant(s)'
      ])
    )
    expect(controlPlane.calls).toHaveLength(0)
    expect(forge.lockWrites).toEqual([])
  })

  it('records a cancelled run as aborted', async () => {
    fleet.set('hongming', { sha: OLDER })
    const controller = new AbortController()
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms, signal) => {
      controller.abort(new Error('received SIGTERM'))
      return sleep(ms, signal)
    }
    const { record } = await run({}, controller.signal)
    expect(record.result).toBe('aborted')
    expect(record.message).toBe('cancelled: received SIGTERM; nothing was rolled back')
  })

  it('turns an internal error into one failed record instead of throwing', async () => {
    fleet.set('hongming', { sha: OLDER })
    const onRound = () => {
      throw new TypeError('boom')
    }
    const { record } = await run({}, undefined, { onRound })
    expect(record).toMatchObject({ result: 'failed', error_class: 'internal', message: 'internal error: boom' })
  })

  it('reads the default branch inside the fail-open: a forge outage there does not skip a genuine deploy', async () => {
    forge.defaultBranch = async () => {
      throw new Error('GET /repos/acme/fleet answered HTTP 503')
    }
    const { record, log } = await run({ branch: '' })
    expect(record.result).toBe('deployed')
    expect(log.warnings[0]).toContain('could not read the default branch of acme/fleet (')
  })
})

describe('deployFleet while the fleet is being told to roll', () => {
  it('stops a per-tenant redeploy at the next tenant once a newer commit owns the branch', async () => {
    // Each call takes 1.5 s: the proof before the next call is a fresh one.
    const slow = await startControlPlane(() => {
      clock.advance(1_500)
      if (slow.calls.length === 2) pushNewest()
    })
    try {
      const { record } = await run({ 'redeploy-url': `${slow.url}/roll/{tenant}`, 'max-parallel': '1' })
      expect(slow.calls.map((c) => c.path)).toEqual(['/roll/hongming', '/roll/ana'])
      expect(record.result).toBe('superseded')
      expect(record.message).toContain("owned by 9e1e7e5 (ahead of this run's 7f25373)")
    } finally {
      await slow.close()
    }
  })

  it('stops a per-tenant redeploy once the lock was taken over, and writes no status over the new holder', async () => {
    const slow = await startControlPlane((body) => {
      fleet.set(body.tenants[0], { sha: body.sha })
      if (slow.calls.length === 1) {
        // The runner froze past its lease (settle budget 60 s + the allowance), and another run took over.
        clock.advance(leaseSecondsFor(60) * 1000 + SKEW_GRACE_MS)
        const other = { runUrl: 'https://github.com/acme/fleet/actions/runs/99', sha: NEWER, expiresAt: clock.now() + 600_000, nonce: 'other-run' }
        forge.locks.set('production', { version: 'taken-over', holder: other })
      }
    })
    try {
      const { record } = await run({ 'redeploy-url': `${slow.url}/roll/{tenant}`, 'max-parallel': '1' })
      expect(slow.calls).toHaveLength(1)
      expect(record).toMatchObject({ result: 'failed', error_class: 'forge' })
      expect(record.message).toContain("could not prove it still holds lock 'production'")
      expect(forge.statuses.get(NEWER) ?? []).toEqual([])
      expect(forge.locks.get('production')?.holder?.nonce).toBe('other-run')
    } finally {
      await slow.close()
    }
  })

  it('keeps at most max-parallel per-tenant calls in flight, sharing one proof among them', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `t${i}`)
    let inFlight = 0
    let peak = 0
    const plane = await startControlPlane(async (body) => {
      peak = Math.max(peak, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      fleet.set(body.tenants[0], { sha: body.sha })
      inFlight--
    })
    try {
      const tenants = names.map((n) => `${n} ${fleet.url(n)}`).join('\n')
      const { record } = await run({ tenants, 'redeploy-url': `${plane.url}/roll/{tenant}`, 'max-parallel': '4' })
      expect(record.result).toBe('deployed')
      expect(plane.calls).toHaveLength(40)
      expect(peak).toBe(4)
      // The virtual clock stands still during the calls: the wave's own proof serves all 40 calls. The
      // other reads: the first check, the plan's proof, the check after the redeploy, the verdict.
      expect(forge.headReads).toBe(5)
    } finally {
      await plane.close()
    }
  })

  it('kills a redeploy command once the run may no longer act', async () => {
    // A clock whose sleeps yield to I/O, so the heartbeat and the child process take turns.
    const yielding = Object.assign(Object.create(clock), {
      sleep: (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => setImmediate(resolve)).then(() => clock.sleep(ms, signal))
    })
    let reads = 0
    forge.onHeadRead = () => {
      if (++reads === 4) pushNewest()
    }
    const { record } = await run({ 'redeploy-url': '', 'redeploy-command': 'sleep 30' }, undefined, { clock: yielding })
    expect(record.result).toBe('superseded')
    expect(reads).toBe(4)
  })

  it('records nothing for a run superseded while it redeployed, even when verify would converge at once', async () => {
    controlPlane.calls.length = 0
    const plane = await startControlPlane((body) => {
      clock.advance(1_500)
      fleet.setDefaultSha(body.sha)
      pushNewest()
    })
    try {
      const { record } = await run({ 'redeploy-url': `${plane.url}/roll` })
      expect(record.result).toBe('superseded')
      expect(forge.statuses.get(NEWER) ?? []).toEqual([])
    } finally {
      await plane.close()
    }
  })

  it('gives every invocation outside Actions its own Idempotency-Key', async () => {
    const noRunId = (inputs: Record<string, string>) => {
      const all: Record<string, string> = {
        token: 't',
        branch: 'main',
        sha: NEWER,
        tenants: `a ${fleet.url('a')}`,
        'redeploy-url': `${controlPlane.url}/roll`,
        'settle-budget': '10',
        ...inputs
      }
      return parseSettings(
        (name) => all[name] ?? '',
        { GITHUB_REPOSITORY: 'acme/fleet' },
        () => ''
      )
    }
    for (let i = 0; i < 2; i++) {
      fleet.setDefaultSha(OLDER)
      await deployFleet(noRunId({}), { forge, clock, log: new RecordingLogger(), signal: new AbortController().signal })
    }
    const keys = controlPlane.calls.map((c) => c.headers['idempotency-key'])
    expect(keys).toHaveLength(2)
    expect(keys[0]).not.toBe(keys[1])
  })
})

test('RedeployStopped names what was cut short', () => {
  expect(new RedeployStopped('redeploy-command killed').message).toBe('redeploy-command killed: this run no longer owns the branch or the lock')
})

describe('deployFleet in waves', () => {
  const wide = (names: string[]) => names.map((n) => `${n} ${fleet.url(n)}`).join('\n')
  const FIVE = ['hongming', 'ana', 'bo', 'cy', 'di']

  it('a canary that stays stale halts the run: later waves are never touched, and the record says which wave halted', async () => {
    const plane = await startControlPlane((body) => {
      for (const name of body.tenants) if (name !== 'hongming') fleet.set(name, { sha: body.sha })
    })
    try {
      const { record, log } = await run({ tenants: wide(FIVE), waves: '1, 100%', 'redeploy-url': `${plane.url}/roll/{tenant}`, 'settle-budget': '20' })
      expect(plane.calls.map((c) => c.path)).toEqual(['/roll/hongming'])
      expect(record.result).toBe('stale')
      expect(record.message).toBe(
        'wave 1 of 2 halted: 1 tenant(s) did not report 7f25373 within the 20s settle budget (the wave took 20s: redeploy and verify), more than max-failures 0; 1 later wave(s) not attempted'
      )
      // A wave never attempted redeployed nobody.
      expect(record.waves).toEqual([
        { wave: 1, tenants: 1, redeployed: 1, result: 'halted', seconds: 20 },
        { wave: 2, tenants: 4, redeployed: 0, result: 'not_attempted', seconds: null }
      ])
      expect(record.tenants.map((t) => [t.name, t.wave, t.state])).toEqual([
        ['hongming', 1, 'stale'],
        ['ana', 2, 'not_attempted'],
        ['bo', 2, 'not_attempted'],
        ['cy', 2, 'not_attempted'],
        ['di', 2, 'not_attempted']
      ])
      expect(FIVE.slice(1).map((name) => fleet.requests(name))).toEqual([1, 1, 1, 1])
      // A plain line: the verdict is the run's first error annotation, written where the record is published.
      expect(log.infos).toContain('hongming is stale: actual=7a72516, expected=7f25373')
      expect(log.errors).toEqual([])
      expect(forge.statuses.get(NEWER)?.map((s) => s.state)).toEqual(['failure'])
    } finally {
      await plane.close()
    }
  })

  it('rolls three waves in order with one fleet-wide call each, verifying earlier waves again at every verdict', async () => {
    const { record } = await run({ tenants: wide(FIVE), waves: '1, 50%, 100%' })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['hongming'], ['ana', 'bo'], ['cy', 'di']])
    expect(record.result).toBe('deployed')
    expect(record.waves.map((w) => [w.wave, w.tenants, w.result])).toEqual([
      [1, 1, 'converged'],
      [2, 2, 'converged'],
      [3, 2, 'converged']
    ])
    // hongming: planned, verified in wave 1, read again at the verdicts of waves 2 and 3.
    expect(fleet.requests('hongming')).toBe(4)
    expect(forge.statuses.get(NEWER)?.map((s) => s.state)).toEqual(['success'])
  })

  it('tolerates up to max-failures tenants, goes on, and still ends red naming them', async () => {
    fleet.set('ana', { sha: OLDER })
    const { record, log } = await run({ tenants: wide(FIVE), waves: '2, 100%', 'max-failures': '1', 'settle-budget': '10' })
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([
      ['hongming', 'ana'],
      ['bo', 'cy', 'di']
    ])
    expect(record.result).toBe('stale')
    expect(record.message).toBe('1 of 5 tenant(s) did not report 7f25373 (tolerated by max-failures 1); :latest was not promoted')
    expect(log.warnings).toEqual(['wave 1 of 2: 1 tenant(s) not verified (ana); 1 in all, within max-failures 1, going on'])
    // The wave that ended with ana stale is drawn as such, not green, under the red verdict.
    expect(record.waves.map((w) => w.result)).toEqual(['stale', 'converged'])
  })

  it('reads every tenant again at a stale verdict too: one that fell back counts with one that never rolled, and the wave halts', async () => {
    const plane = await startControlPlane((body) => {
      // ana comes up on the new commit, then falls back 15 s later; hongming never rolls.
      for (const name of body.tenants)
        if (name === 'ana') fleet.set(name, { sha: body.sha, schedule: [{ from: clock.now() + 15_000, sha: OLDER }] })
        else if (name !== 'hongming') fleet.set(name, { sha: body.sha })
    })
    try {
      const { record } = await run({
        tenants: wide(FIVE),
        waves: '2, 100%',
        'max-failures': '1',
        'settle-budget': '30',
        'redeploy-url': `${plane.url}/roll/{tenant}`
      })
      expect(plane.calls.map((c) => c.path)).toEqual(['/roll/hongming', '/roll/ana'])
      expect(record.result).toBe('stale')
      expect(record.message).toBe(
        'wave 1 of 2 halted: 2 tenant(s) did not report 7f25373 within the 30s settle budget (the wave took 30s: redeploy and verify), more than max-failures 1; 1 later wave(s) not attempted'
      )
      expect(record.tenants.find((t) => t.name === 'ana')).toMatchObject({ state: 'stale', actual: OLDER, regressed: true })
      expect(record.waves.map((w) => [w.result, w.redeployed])).toEqual([
        ['halted', 2],
        ['not_attempted', 0]
      ])
    } finally {
      await plane.close()
    }
  })

  it('bakes a wave that ended within max-failures without a second settle budget: the confirmation is one read', async () => {
    fleet.set('hongming', { sha: OLDER })
    const plane = await startControlPlane((body) => {
      for (const name of body.tenants) if (name !== 'hongming') fleet.set(name, { sha: body.sha })
    })
    try {
      const { record, log } = await run({
        tenants: wide(FIVE),
        waves: '2, 100%',
        'max-failures': '1',
        bake: '30',
        'settle-budget': '20',
        'redeploy-url': `${plane.url}/roll/{tenant}`
      })
      expect(log.infos).toContain(
        'wave 1 of 2 ended with 1 tenant(s) not verified (hongming); 1 in all, within max-failures 1; baking 30s before confirming it again'
      )
      expect(log.infos).not.toContain('wave 1 of 2 converged; baking 30s before confirming it again')
      // The settle budget, then the bake, then one confirming read: not a second 20 s budget.
      expect(record.waves[0]).toEqual({ wave: 1, tenants: 2, redeployed: 2, result: 'stale', seconds: 50 })
      expect(record.result).toBe('stale')
      // hongming: planned, three rounds (0, 10, 20 s), the confirmation; a tolerated failure is not waited for again in wave 2.
      expect(fleet.requests('hongming')).toBe(5)
    } finally {
      await plane.close()
    }
  })

  it('a newer commit landing during wave 2 ends the run superseded, wave 3 untouched', async () => {
    const plane = await startControlPlane((body) => {
      clock.advance(1_500)
      fleet.setDefaultSha(body.sha)
      if (plane.calls.length === 2) pushNewest()
    })
    try {
      const { record } = await run({ tenants: wide(FIVE), waves: '1, 50%, 100%', 'redeploy-url': `${plane.url}/roll` })
      expect(plane.calls.map((c) => c.body.tenants)).toEqual([['hongming'], ['ana', 'bo']])
      expect(record.result).toBe('superseded')
      expect(record.waves.map((w) => w.result)).toEqual(['converged', 'superseded', 'not_attempted'])
      expect(forge.statuses.get(NEWER) ?? []).toEqual([])
    } finally {
      await plane.close()
    }
  })

  it('a bake three leases long never lets the lease lapse, and renews it only below half, not at every proof', async () => {
    const { record } = await run({ bake: '1080', 'settle-interval': '10' })
    expect(record.result).toBe('deployed')
    const lease = leaseSecondsFor(60) * 1000
    const holders = forge.lockWrites.map((w) => w.holder)
    expect(holders.at(-1)).toBeNull()
    const held = holders.slice(0, -1).map((h) => h!)
    expect(new Set(held.map((h) => h.nonce)).size).toBe(1)
    // Each renewal was written before the lease it extends ended, with less than half of it left.
    for (let i = 1; i < held.length; i++) {
      const writtenAt = held[i]!.expiresAt - lease
      expect(writtenAt).toBeLessThan(held[i - 1]!.expiresAt)
      expect(held[i - 1]!.expiresAt - writtenAt).toBeLessThanOrEqual(lease / 2)
    }
    expect(held.length - 1).toBeGreaterThanOrEqual(3)
    // About one proof per settle-interval of bake, and a forge write for only a few of them.
    expect(held.length - 1).toBeLessThan(forge.headReads / 10)
  })

  it('bakes a converged wave while re-checking ownership, and leaves when a newer commit lands meanwhile', async () => {
    // Reads: the first check, the plan's proof, the wave's proof, after its redeploy, its verdict, then one
    // per 20 s of bake: the push lands 40 s into it.
    forge.onHeadRead = (count) => {
      if (count === 7) pushNewest()
    }
    const { record, log } = await run({ tenants: wide(FIVE), waves: '1, 100%', bake: '60', 'settle-interval': '20' })
    expect(log.infos).toContain('wave 1 of 2 converged; baking 60s before confirming it again')
    expect(controlPlane.calls.map((c) => c.body.tenants)).toEqual([['hongming']])
    expect(record.result).toBe('superseded')
    expect(record.waves.map((w) => w.result)).toEqual(['superseded', 'not_attempted'])
  })
})

describe('deployFleet with a promotion (the real docker-registry)', () => {
  let registry: RunningRegistry
  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => registry.stop())

  it('reads the fleet again after the promotion even when :latest already pointed at the image: a tenant that fell back meanwhile leaves no success record', async () => {
    // :latest already names the image (an earlier run of this commit promoted it).
    await putManifest(registry, 'app', 'latest', await pushImage(registry, { repository: 'app', tag: 'staging-7f25373', revision: NEWER }))
    // ana falls back to its previous image while the registry answers the promotion.
    const agent = new Agent()
    const dispatcher = agent.compose((dispatch) => (opts, handler) => {
      if (opts.path.includes('/manifests/latest')) fleet.set('ana', { sha: OLDER })
      return dispatch(opts, handler)
    })
    try {
      const { record } = await run({ image: `${registry.host}/app` }, new AbortController().signal, { dispatcher })
      expect(record.promotion).toMatchObject({ tag: 'latest', status: 'unchanged' })
      expect(record.result).toBe('stale')
      expect(record.message).toContain('1 tenant(s) stopped reporting 7f25373 while latest was promoted')
      expect(record.tenants.find((t) => t.name === 'ana')).toMatchObject({ actual: OLDER })
      expect(forge.statuses.get(NEWER)?.map((s) => s.state)).toEqual(['failure'])
    } finally {
      await agent.close()
    }
  })
})

describe('deploy windows and freezes', () => {
  // The test clock starts on Monday 23 November 2026, 00:00 UTC: 01:00 in Berlin, outside office hours.
  const OFFICE = '0 9 * * 1-5  0 17 * * 1-5  Europe/Berlin'

  it('outside every window the run ends deferred, green, touching nothing, and says when the next window opens', async () => {
    const { record, log } = await run({ 'deploy-windows': OFFICE })
    expect(record).toMatchObject({
      result: 'deferred',
      message: 'deferred: outside every deploy window; the next window opens 2026-11-23 09:00 Europe/Berlin (08:00 UTC); nothing was touched',
      window: { state: 'deferred', reason: 'outside_windows', freeze: null, next_open: '2026-11-23T08:00:00.000Z', next_open_zone: 'Europe/Berlin' },
      override: null
    })
    expect(controlPlane.calls).toHaveLength(0)
    expect(NAMES.map((name) => fleet.requests(name))).toEqual([0, 0, 0])
    expect(forge.statuses.get(NEWER) ?? []).toEqual([])
    expect(forge.lockWrites).toEqual([])
    expect(log.warnings).toEqual([])
  })

  it("decides on the forge's clock, not the runner's", async () => {
    // The runner says 01:00 in Berlin; the forge says 11:00, inside the window.
    forge = new MemoryForge('acme/fleet', { now: () => clock.now() + 10 * 3_600_000 })
      .commit(BASE)
      .commit(OLDER, BASE)
      .commit(NEWER, OLDER)
      .setBranch('main', NEWER)
    const { record } = await run({ 'deploy-windows': OFFICE })
    expect(record.result).toBe('deployed')
    expect(record.window).toEqual({ state: 'open', reason: null, freeze: null, next_open: null, next_open_zone: null })
  })

  it('a freeze beats a window', async () => {
    const { record } = await run({ 'deploy-windows': '0 0 * * *  0 23 * * *  UTC', 'deploy-freezes': '2026-11-22T00:00 2026-11-24T00:00 UTC' })
    expect(record).toMatchObject({
      result: 'deferred',
      window: { state: 'deferred', reason: 'frozen', freeze: '2026-11-22T00:00 2026-11-24T00:00 UTC', next_open: '2026-11-24T00:00:00.000Z' }
    })
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('override-freeze goes ahead; the record and the commit status say who overrode and why', async () => {
    const { record, log } = await run({ 'deploy-windows': OFFICE, 'override-freeze': 'true', 'override-reason': 'hotfix INC-42' })
    expect(record).toMatchObject({
      result: 'deployed',
      window: { state: 'overridden', reason: 'outside_windows' },
      override: { actor: 'octocat', reason: 'hotfix INC-42' }
    })
    expect(forge.statuses.get(NEWER)?.map((s) => s.description)).toEqual(['3/3 tenants report 7f25373; freeze overridden by octocat: hotfix INC-42'])
    expect(log.warnings).toContain(
      'outside every deploy window; the next window opens 2026-11-23 09:00 Europe/Berlin (08:00 UTC); going ahead: override-freeze by octocat: hotfix INC-42'
    )
  })

  it('a dry run outside a window still plans, and says the run would be deferred', async () => {
    const { record, log } = await run({ 'deploy-windows': OFFICE, 'dry-run': 'true' })
    expect(record).toMatchObject({ result: 'planned', window: { state: 'deferred' } })
    expect(log.infos.some((line) => line.startsWith('a run now would be deferred: outside every deploy window'))).toBe(true)
  })

  it('allow-rollback: the commit status carries who moved the fleet back and why', async () => {
    fleet.setDefaultSha(NEWER)
    forge.setBranch('main', OLDER)
    const { record } = await run({ sha: OLDER, 'allow-rollback': 'true', 'rollback-reason': 'INC-7 invoices' })
    expect(record).toMatchObject({ result: 'deployed', rollback: { actor: 'octocat', reason: 'INC-7 invoices', from: [NEWER], to: OLDER } })
    expect(forge.statuses.get(OLDER)?.map((s) => s.description)).toEqual(['3/3 tenants report 7a72516; rollback by octocat: INC-7 invoices'])
  })
})
