/**
 * Health checks and the bake check as a runner runs the committed bundle, once per forge, with the real
 * registry holding :latest: a canary on the new commit whose health path fails is not converged and halts
 * its wave; a flapping health path within the thresholds passes and :latest moves; a failing bake check
 * halts the run before wave 2 with :latest unmoved; a hostile health body and bake-check output reach no
 * sink unscrubbed.
 */
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startRegistry, type RunningRegistry } from '../../test/support/registry.js'
import { pushImage, readTag } from '../../test/support/registry-push.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { OLDER, NEWER } from '../../test/support/memory-forge.js'

const REPO = 'acme/app'
const TENANTS = ['hongming', 'ana', 'bo', 'cy']
const SECRET = 'cp-token-5ecret-value'

let registry: RunningRegistry

beforeAll(async () => {
  registry = await startRegistry()
})

afterAll(async () => {
  await registry.stop()
})

describe.each(RUNNER_FORGES)('health checks and bake-check, dist/ on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let controlPlane: ControlPlane
  let olderDigest: string
  let newerDigest: string

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: OLDER })
    controlPlane = await startControlPlane((body) => {
      for (const name of body.tenants) fleet.set(name, { ...fleetBehaviour.get(name), sha: body.sha })
    })
    olderDigest = (await pushImage(registry, { repository: REPO, tag: 'latest', revision: OLDER })).digest
    newerDigest = (await pushImage(registry, { repository: REPO, tag: 'staging-7f25373', revision: NEWER })).digest
    fleetBehaviour.clear()
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
  })

  /** What each tenant does once told to roll (its health path), kept when the control plane rolls it. */
  const fleetBehaviour = new Map<string, { health: { statuses: number[]; body?: string } }>()

  function deploy(inputs: Record<string, string>): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        sha: NEWER,
        tenants: TENANTS.map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'redeploy-url': `${controlPlane.url}/roll/{tenant}`,
        'redeploy-token': SECRET,
        image: `${registry.host}/${REPO}`,
        'health-path': '/healthz',
        'settle-budget': '3',
        'settle-interval': '1',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '11', ...spec.env(forge) }
    })
  }

  const report = (run: DistRun) => JSON.parse(run.outputs.report)
  const latestDigest = async () => (await readTag(registry, REPO, 'latest'))?.digest

  it('a canary on the new commit whose health path fails is not converged: it halts its wave, named with its status, and :latest stays', async () => {
    fleetBehaviour.set('hongming', { health: { statuses: [503] } })
    const run = await deploy({ waves: '1, 100%' })
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('stale')
    expect(controlPlane.calls.map((c) => c.path)).toEqual(['/roll/hongming'])
    // The log's line names the check's path; the annotation after the verdict names the tenant and its status.
    expect(run.stdout).toContain('\nhongming is unhealthy: http 503 on /t/hongming/healthz (actual=7f25373)\n')
    expect(run.stdout).toContain('::error::hongming is unhealthy: http 503')
    expect(report(run).message).toMatch(
      /^wave 1 of 2 halted: 1 tenant\(s\) did not report 7f25373 \(1 of them reports it but is unhealthy\) within the 3s settle budget \(the wave took [\d.]+s: redeploy and verify\), more than max-failures 0/
    )
    expect(report(run).tenants[0]).toMatchObject({ name: 'hongming', state: 'unhealthy', actual: NEWER, healthy: false, health_status: 'http 503' })
    expect(report(run).tenants[1]).toMatchObject({ name: 'ana', state: 'not_attempted', healthy: null, health_status: null })
    expect(JSON.parse(run.outputs['stale-tenants'])).toEqual(['hongming'])
    expect(run.summary).toMatch(/\*\*🔴 unhealthy · http 503 \(1\)\*\* — runs the new commit but its health check does not pass/)
    expect(await latestDigest()).toBe(olderDigest)
    expect(forge.statuses(NEWER)).toEqual([expect.objectContaining({ state: 'failure' })])
  })

  it('a flapping health path within the thresholds passes: every tenant healthy, then :latest moves', async () => {
    fleetBehaviour.set('ana', { health: { statuses: [503, 200, 503, 200, 200] } })
    const run = await deploy({ 'settle-budget': '8' })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('deployed')
    expect(report(run).tenants.map((t: { healthy: boolean }) => t.healthy)).toEqual([true, true, true, true])
    expect(report(run).tenants[1]).toMatchObject({ name: 'ana', state: 'converged', health_status: 'http 200' })
    expect(fleet.healthChecks('ana')).toBeGreaterThanOrEqual(5)
    expect(await latestDigest()).toBe(newerDigest)
  })

  it('a failing bake check halts the run before wave 2: wave 2 never told to roll, :latest stays', async () => {
    const run = await deploy({ waves: '1, 100%', bake: '2', 'bake-check': 'echo "error rate $FLEET_WAVE: 7%"; exit 1' })
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('stale')
    expect(controlPlane.calls.map((c) => c.path)).toEqual(['/roll/hongming'])
    expect(run.stdout).toContain('bake-check: error rate 1: 7%')
    expect(report(run)).toMatchObject({
      error_class: 'bake_check',
      message: 'wave 1 of 2 halted: bake-check exited with code 1 during the 2s bake; 1 later wave(s) not attempted'
    })
    expect(report(run).waves.map((w: { result: string }) => w.result)).toEqual(['halted', 'not_attempted'])
    expect(await latestDigest()).toBe(olderDigest)
  })

  it('a passing bake check lets the rollout go on to the promotion', async () => {
    const run = await deploy({ waves: '1, 100%', bake: '1', 'bake-check': 'echo "ok $FLEET_SHA"' })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('deployed')
    expect(run.stdout).toContain(`bake-check: ok ${NEWER}`)
    expect(await latestDigest()).toBe(newerDigest)
  })

  it('a hostile health body and bake-check output reach no sink unscrubbed', async () => {
    const hostile = `::error::pwned ##[set-output name=result]deployed ${SECRET}`
    fleetBehaviour.set('hongming', { health: { statuses: [500], body: hostile } })
    const run = await deploy({ bake: '1', 'bake-check': `echo '${hostile}'; exit 1`, 'max-failures': '1' })
    expect(run.outputs.result).toBe('stale')
    expect(run.stdout).toContain('bake-check: :\u200b:error:\u200b:pwned #\u200b#[set-output name=result]deployed ***')
    // Every line but the `::add-mask::` ones, which are how the runner learns what to hide.
    const log = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const sink of [log, run.stderr, run.summary, run.outputs.report, JSON.stringify(forge.statuses(NEWER))]) {
      expect(sink).not.toContain('::error::pwned')
      expect(sink).not.toContain('##[set-output')
      expect(sink).not.toContain(SECRET)
    }
  })
})
