import type { CommitState } from '../../src/forge/types.js'
import { parseSettings } from '../../src/config/parse.js'
import { deployFleet } from '../../src/core/deploy.js'
import { checkGate } from '../../src/stages/gate.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

let forge: MemoryForge
let clock: VirtualClock
let fleet: FakeFleet
let controlPlane: ControlPlane

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 10, 23))
  forge = new MemoryForge().commit(OLDER).commit(NEWER, OLDER).setBranch('main', NEWER)
  fleet = await startFakeFleet({ sha: OLDER, clock })
  controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
})

afterEach(async () => {
  await Promise.all([fleet.close(), controlPlane.close()])
})

function stageStatus(state: CommitState, description = ''): void {
  forge.statuses.set(NEWER, [{ context: 'fleet-forward/staging', state, description, targetUrl: 'https://ci/runs/7' }])
}

async function deployToProduction() {
  const inputs: Record<string, string> = {
    token: 't',
    branch: 'main',
    sha: NEWER,
    environment: 'production',
    'require-verified-in': 'staging',
    tenants: `hongming ${fleet.url('hongming')}`,
    'redeploy-url': `${controlPlane.url}/roll`,
    'settle-budget': '30',
    'settle-interval': '10'
  }
  const settings = parseSettings(
    (name) => inputs[name] ?? '',
    { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '1' },
    () => ''
  )
  return deployFleet(settings, { forge, clock, log: new RecordingLogger(), signal: new AbortController().signal })
}

describe('gate (require-verified-in), fail-closed', () => {
  it('passes a commit with a success record from the upstream environment, naming where it was verified', async () => {
    stageStatus('success')
    const log = new RecordingLogger()
    expect(await checkGate(forge, NEWER, 'staging', log)).toEqual({ passed: true, message: 'gate: 7f25373 was verified in staging (https://ci/runs/7)' })
    const record = await deployToProduction()
    expect(record.result).toBe('deployed')
    expect(controlPlane.calls).toHaveLength(1)
  })

  it.each(['pending', 'failure', 'error'] as const)('blocks a commit whose upstream record is %s: red, nothing changed', async (state) => {
    stageStatus(state, '1 of 3 tenants stale')
    const record = await deployToProduction()
    expect(record.result).toBe('blocked')
    expect(record.message).toBe(`gate: fleet-forward/staging on 7f25373 is ${state} (1 of 3 tenants stale, https://ci/runs/7), not success; nothing changed`)
    expect(controlPlane.calls).toHaveLength(0)
    expect(forge.locks.size).toBe(0)
    expect(forge.statuses.get(NEWER)).toHaveLength(1)
  })

  it('blocks a commit with no upstream record', async () => {
    const record = await deployToProduction()
    expect(record.result).toBe('blocked')
    expect(record.message).toBe('gate: 7f25373 has no fleet-forward/staging record: it was never verified in staging; nothing changed')
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('blocks when the record cannot be read (fail-closed, unlike ownership)', async () => {
    stageStatus('success')
    forge.latestStatus = async () => {
      throw Object.assign(new Error('GET statuses answered HTTP 502'), { code: undefined })
    }
    const record = await deployToProduction()
    expect(record.result).toBe('blocked')
    expect(record.message).toMatch(
      /^gate: could not read fleet-forward\/staging on 7f25373 \(reset: GET statuses answered HTTP 502\); the gate fails closed, nothing changed$/
    )
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('a newer status for the context wins over an older success', async () => {
    forge.statuses.set(NEWER, [
      { context: 'fleet-forward/staging', state: 'success', description: '', targetUrl: null },
      { context: 'fleet-forward/staging', state: 'failure', description: 'stale', targetUrl: null }
    ])
    expect((await checkGate(forge, NEWER, 'staging', new RecordingLogger())).passed).toBe(false)
  })
})
