import { parseSettings } from '../../src/config/parse.js'
import { deployFleet } from '../../src/core/deploy.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const BASE = 'b4a5e00' + '0'.repeat(33)
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

function run(inputs: Record<string, string> = {}, signal = new AbortController().signal) {
  const log = new RecordingLogger()
  return deployFleet(settings(inputs), { forge, clock, log, signal }).then((record) => ({ record, log }))
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
      if (count === 4) forge.commit('9e1e7e5' + '0'.repeat(33), NEWER).setBranch('main', '9e1e7e5' + '0'.repeat(33))
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
    forge.defaultBranch = () => {
      throw new TypeError('boom')
    }
    const { record } = await run({ branch: '' })
    expect(record).toMatchObject({ result: 'failed', error_class: 'internal', message: 'internal error: boom' })
  })
})
