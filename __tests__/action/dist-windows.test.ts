/**
 * Deploy windows and freezes as a runner runs the committed bundle, once per forge, decided on the
 * forge's clock (its `Date` header): outside a window a run ends deferred, green, touching nothing; a
 * freeze beats a window; override-freeze with a reason goes ahead and says who and why; runs deferred
 * over a weekend are caught up by the run of the newest commit alone.
 */
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'

const TENANTS = ['hongming', 'ana', 'bo']
const OFFICE = '0 9 * * 1-5  0 17 * * 1-5  Europe/Berlin'
const CHRISTMAS = '2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin'
/** Saturday 19 December 2026, 13:00 in Berlin. */
const SATURDAY = Date.parse('2026-12-19T12:00:00Z')
/** Monday 21 December 2026, 10:00 in Berlin. */
const MONDAY = Date.parse('2026-12-21T09:00:00Z')
/** Thursday 24 December 2026, 11:00 in Berlin: office hours, and frozen. */
const CHRISTMAS_EVE = Date.parse('2026-12-24T10:00:00Z')

describe.each(RUNNER_FORGES)('deploy windows, dist/ on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let controlPlane: ControlPlane
  /** The forge's clock; the runner's own clock is the real one, weeks away. */
  let forgeTime: number

  beforeEach(async () => {
    forgeTime = SATURDAY
    forge = await startIncidentForge(spec.start(spec.token, () => forgeTime))
    fleet = await startFakeFleet({ sha: OLDER })
    controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
  })

  function deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        sha: NEWER,
        tenants: TENANTS.map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'redeploy-url': `${controlPlane.url}/roll`,
        'deploy-windows': OFFICE,
        'settle-budget': '10',
        'settle-interval': '1',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '7', GITHUB_ACTOR: 'alice', ...spec.env(forge), ...env }
    })
  }

  const report = (run: DistRun) => JSON.parse(run.outputs.report)
  /** Every write the run sent the forge: lock, statuses, deployments. */
  const forgeWrites = () => forge.requests.filter((r) => r.method !== 'GET')
  const deployments = () => (forge instanceof FakeGitHub ? forge.deployments.length : 0)

  it('outside every window: deferred, green, nothing touched, and the next window named in its zone and in UTC', async () => {
    const run = await deploy({})
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('deferred')
    expect(report(run)).toMatchObject({
      result: 'deferred',
      message: 'deferred: outside every deploy window; the next window opens 2026-12-21 09:00 Europe/Berlin (08:00 UTC); nothing was touched',
      window: { state: 'deferred', reason: 'outside_windows', next_open: '2026-12-21T08:00:00.000Z', next_open_zone: 'Europe/Berlin' }
    })
    expect(forgeWrites()).toEqual([])
    expect(deployments()).toBe(0)
    expect(controlPlane.calls).toEqual([])
    expect(TENANTS.map((name) => fleet.requests(name))).toEqual([0, 0, 0])
    expect(run.summary).toContain('fleet-forward · production · deferred')
    expect(run.summary).toContain('outside every deploy window or during a freeze')
    expect(run.summary).not.toContain('Needs attention')
  })

  it('a freeze beats a window: deferred until the first window after the freeze', async () => {
    forgeTime = CHRISTMAS_EVE
    const run = await deploy({ 'deploy-freezes': CHRISTMAS })
    expect(run.code).toBe(0)
    expect(report(run)).toMatchObject({
      result: 'deferred',
      window: { state: 'deferred', reason: 'frozen', freeze: CHRISTMAS, next_open: '2026-12-28T08:00:00.000Z' }
    })
    expect(report(run).message).toContain(`deploy freeze '${CHRISTMAS}' is on; the next window opens 2026-12-28 09:00 Europe/Berlin (08:00 UTC)`)
    expect(forgeWrites()).toEqual([])
    expect(controlPlane.calls).toEqual([])
  })

  it('override-freeze with a reason goes ahead; the record, the commit status and the summary say who and why', async () => {
    forgeTime = CHRISTMAS_EVE
    const run = await deploy({ 'deploy-freezes': CHRISTMAS, 'override-freeze': 'true', 'override-reason': 'hotfix INC-42', 'override-actors': 'bob, alice' })
    expect(run.code).toBe(0)
    expect(report(run)).toMatchObject({
      result: 'deployed',
      window: { state: 'overridden', reason: 'frozen' },
      override: { actor: 'alice', reason: 'hotfix INC-42' }
    })
    expect(forge.statuses(NEWER).map((s) => [s.state, s.description])).toEqual([
      ['success', '3/3 tenants report 7f25373; freeze overridden by alice: hotfix INC-42']
    ])
    expect(run.summary).toContain(`**Freeze overridden** by \`alice\`: \`hotfix INC-42\` (deploy freeze \`${CHRISTMAS}\` was on).`)
    expect(run.stdout).toContain('::warning::')
    expect(run.stdout).toContain('going ahead: override-freeze by alice: hotfix INC-42')
  })

  it('override-freeze without a reason, or by someone not allowed, is an input error: nothing contacted', async () => {
    const unexplained = await deploy({ 'override-freeze': 'true' })
    expect(unexplained.code).toBe(1)
    expect(report(unexplained).message).toBe("input 'override-reason': is required with override-freeze: true; say why (it is recorded with who ran it)")
    const stranger = await deploy({ 'override-freeze': 'true', 'override-reason': 'because', 'override-actors': 'bob' }, { GITHUB_ACTOR: 'mallory' })
    expect(stranger.code).toBe(1)
    expect(report(stranger).message).toBe("input 'override-actors': 'mallory' may not override a freeze; allowed: bob")
    expect(forge.requests).toEqual([])
  })

  it('runs deferred over the weekend are caught up by the newest commit alone: the older one, rerun in the window, touches nothing', async () => {
    forge.setBranch('main', OLDER)
    expect(report(await deploy({ sha: OLDER })).result).toBe('deferred')
    forge.setBranch('main', NEWER)
    expect(report(await deploy({ sha: NEWER })).result).toBe('deferred')

    forgeTime = MONDAY
    const older = await deploy({ sha: OLDER })
    expect(report(older)).toMatchObject({ result: 'superseded', head_sha: NEWER })
    expect(controlPlane.calls).toEqual([])
    const newer = await deploy({ sha: NEWER })
    expect(report(newer)).toMatchObject({ result: 'deployed', window: { state: 'open' } })
    expect(controlPlane.calls.map((c) => c.body.sha)).toEqual([NEWER])
    expect(forge.statuses(OLDER)).toEqual([])
    expect(forge.statuses(NEWER).map((s) => s.state)).toEqual(['success'])
  })
})
