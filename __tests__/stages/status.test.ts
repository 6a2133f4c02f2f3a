import { parseSettings } from '../../src/config/parse.js'
import { deployFleet } from '../../src/core/deploy.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startEchoServer } from '../../test/support/echo-server.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

let forge: MemoryForge
let clock: VirtualClock
let fleet: FakeFleet
let controlPlane: ControlPlane
const RUN_URL = 'https://github.com/acme/fleet/actions/runs/1'

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 10, 23))
  forge = new MemoryForge().commit(OLDER).commit(NEWER, OLDER).setBranch('main', NEWER)
  fleet = await startFakeFleet({ sha: OLDER, clock })
  controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
})

afterEach(async () => {
  await Promise.all([fleet.close(), controlPlane.close()])
})

function deploy(inputs: Record<string, string> = {}) {
  const all: Record<string, string> = {
    token: 't',
    branch: 'main',
    sha: NEWER,
    environment: 'staging',
    tenants: ['hongming', 'ana'].map((n) => `${n} ${fleet.url(n)}`).join('\n'),
    'redeploy-url': `${controlPlane.url}/roll`,
    'settle-budget': '30',
    'settle-interval': '10',
    ...inputs
  }
  const settings = parseSettings(
    (name) => all[name] ?? '',
    { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '1', GITHUB_SERVER_URL: 'https://github.com' },
    () => ''
  )
  return deployFleet(settings, { forge, clock, log: new RecordingLogger(), signal: new AbortController().signal })
}

describe('durable record: commit status fleet-forward/<environment>', () => {
  it('a verified deploy writes success on the expected commit, with the tenants verified and the run URL', async () => {
    const record = await deploy()
    expect(record.result).toBe('deployed')
    expect(forge.statuses.get(NEWER)).toEqual([
      { context: 'fleet-forward/staging', state: 'success', description: '2/2 tenants report 7f25373', targetUrl: RUN_URL }
    ])
  })

  it('a stale result writes failure', async () => {
    fleet.set('ana', { sha: OLDER })
    const record = await deploy()
    expect(record.result).toBe('stale')
    expect(forge.statuses.get(NEWER)).toEqual([
      {
        context: 'fleet-forward/staging',
        state: 'failure',
        description: '1 of 2 tenant(s) did not report 7f25373 within the 30s settle budget (the wave took 30s: redeploy and verify)',
        targetUrl: RUN_URL
      }
    ])
  })

  it('a failed deploy describes itself in our own words: no remote text reaches the status', async () => {
    const echoing = await startEchoServer((req) => ({
      status: 401,
      body: `refused ${req.headers.authorization}; [re-authenticate here](https://evil.example/login)`
    }))
    try {
      const record = await deploy({ 'redeploy-url': `${echoing.url}/roll`, 'redeploy-token': 'cp-token-5678' })
      expect(record.result).toBe('failed')
      expect(record.message).toContain('re-authenticate here')
      expect(forge.statuses.get(NEWER)).toEqual([
        { context: 'fleet-forward/staging', state: 'failure', description: 'deploy failed (http_4xx); the run log has the details', targetUrl: RUN_URL }
      ])
    } finally {
      await echoing.close()
    }
  })

  it('a dry run writes nothing: no status, no lock', async () => {
    const record = await deploy({ 'dry-run': 'true' })
    expect(record.result).toBe('planned')
    expect(forge.statuses.get(NEWER)).toBeUndefined()
    expect(forge.lockWrites).toHaveLength(0)
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('a rerun of a recorded commit whose fleet still reports it is a noop: nothing redeployed, no new status', async () => {
    expect((await deploy()).result).toBe('deployed')
    const record = await deploy()
    expect(record.result).toBe('noop')
    expect(record.message).toBe('7f25373 is already recorded as fleet-forward/staging and all 2 tenant(s) still report it: nothing redeployed or promoted')
    expect(controlPlane.calls).toHaveLength(1)
    expect(forge.statuses.get(NEWER)).toHaveLength(1)
    expect(record.rounds).toBe(0)
  })

  it('a recorded commit whose fleet drifted is deployed again', async () => {
    expect((await deploy()).result).toBe('deployed')
    fleet.set('ana', { sha: OLDER })
    fleet.set('ana', {})
    fleet.setDefaultSha(OLDER)
    const record = await deploy()
    expect(record.result).toBe('deployed')
    expect(controlPlane.calls).toHaveLength(2)
  })

  it('the lock is taken around the side effects and released afterwards, on success and on failure', async () => {
    await deploy()
    fleet.set('ana', { status: 503 })
    await deploy({ sha: NEWER, 'settle-budget': '10' })
    // Each run: acquire, renewals by compare-and-swap (same nonce), release; the second run is a new holder.
    const writes = forge.lockWrites.map((w) => (w.holder ? w.holder.nonce : 'released'))
    const [first, second, rest] = writes
      .join(' ')
      .split(' released')
      .map((part) => part.trim().split(' '))
    expect(rest).toEqual([''])
    expect(new Set(first).size).toBe(1)
    expect(new Set(second).size).toBe(1)
    expect(second[0]).not.toBe(first[0])
    // Released, naming the run that released it last.
    expect([...forge.locks.values()].map((state) => [state.holder, state.released?.[0]?.sha])).toEqual([[null, NEWER]])
  })
})
