import { parseSettings } from '../../src/config/parse.js'
import { deployFleet, type DeployDeps } from '../../src/core/deploy.js'
import { RedeployStopped } from '../../src/stages/redeploy.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { BASE, MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
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
  forge = new MemoryForge().commit(BASE).commit(OLDER, BASE).commit(NEWER, OLDER).setBranch('main', NEWER)
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
  return parseSettings((name) => all[name] ?? '', { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '1' }, () => '')
}

function run(inputs: Record<string, string> = {}, signal = new AbortController().signal, extra: Partial<DeployDeps> = {}) {
  const log = new RecordingLogger()
  return deployFleet(settings(inputs), { forge, clock, log, signal, ...extra }).then((record) => ({ record, log }))
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
    forge.onHeadRead = (count) => {
      if (count === 5) forge.commit('9e1e7e5' + '0'.repeat(33), NEWER).setBranch('main', '9e1e7e5' + '0'.repeat(33))
    }
    const { record } = await run()
    expect(record.result).toBe('superseded')
    expect(controlPlane.calls).toHaveLength(1)
    expect(record.rounds).toBeGreaterThanOrEqual(2)
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
    expect(log.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('not redeploying 1 tenant(s) whose commit is unknown or unrelated (hongming): this run could not prove it owns the branch')])
    )
    expect(record.tenants.find((t) => t.name === 'hongming')).toMatchObject({ state: 'ahead', actual: NEWER })
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
    expect(record).toMatchObject({ result: 'noop', dry_run: true })
    expect(record.message).toBe('dry run: 3 of 3 tenant(s) to roll to staging-7f25373 (7f25373); nothing written')
    expect(controlPlane.calls).toHaveLength(0)
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
    expect(log.warnings[0]).toContain("could not read the head of branch '(the default branch)'")
  })
})

describe('deployFleet while the fleet is being told to roll', () => {
  it('stops a per-tenant redeploy at the next tenant once a newer commit owns the branch', async () => {
    const slow = await startControlPlane(() => {
      if (slow.calls.length === 2) pushNewest()
    })
    try {
      const { record } = await run({ 'redeploy-url': `${slow.url}/roll/{tenant}` })
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
        const other = { runUrl: 'https://github.com/acme/fleet/actions/runs/99', sha: NEWER, expiresAt: clock.now() + 600_000, nonce: 'other-run' }
        forge.locks.set('production', { version: 'taken-over', holder: other })
      }
    })
    try {
      const { record } = await run({ 'redeploy-url': `${slow.url}/roll/{tenant}` })
      expect(slow.calls).toHaveLength(1)
      expect(record).toMatchObject({ result: 'failed', error_class: 'forge' })
      expect(record.message).toContain("could not prove it still holds lock 'production'")
      expect(forge.statuses.get(NEWER) ?? []).toEqual([])
      expect(forge.locks.get('production')?.holder?.nonce).toBe('other-run')
    } finally {
      await slow.close()
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
      const all: Record<string, string> = { token: 't', branch: 'main', sha: NEWER, tenants: `a ${fleet.url('a')}`, 'redeploy-url': `${controlPlane.url}/roll`, 'settle-budget': '10', ...inputs }
      return parseSettings((name) => all[name] ?? '', { GITHUB_REPOSITORY: 'acme/fleet' }, () => '')
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
