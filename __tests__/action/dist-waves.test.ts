/**
 * Waves as a runner runs the committed bundle, once per forge, with the real registry holding
 * :latest: a canary that goes stale halts the run with the rest untouched and :latest unmoved; three
 * waves converge and promote; a newer commit landing during wave 2 ends the run superseded.
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
const TENANTS = ['hongming', 'ana', 'bo', 'cy', 'di', 'ed']
const NEWEST = '9e1e7e5' + '0'.repeat(33)

let registry: RunningRegistry

beforeAll(async () => {
  registry = await startRegistry()
})

afterAll(async () => {
  await registry.stop()
})

describe.each(RUNNER_FORGES)('waves, dist/ on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let controlPlane: ControlPlane
  let olderDigest: string
  let newerDigest: string
  /** Called by the control plane after each redeploy call (tests stage their faults here). */
  let afterCall: (calls: number) => void

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: OLDER })
    afterCall = () => {}
    controlPlane = await startControlPlane((body) => {
      for (const name of body.tenants) if (name !== 'stuck') fleet.set(name, { sha: body.sha })
      afterCall(controlPlane.calls.length)
    })
    olderDigest = (await pushImage(registry, { repository: REPO, tag: 'latest', revision: OLDER })).digest
    newerDigest = (await pushImage(registry, { repository: REPO, tag: 'staging-7f25373', revision: NEWER })).digest
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
  })

  function deploy(inputs: Record<string, string>, tenants = TENANTS): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        sha: NEWER,
        tenants: tenants.map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'redeploy-url': `${controlPlane.url}/roll/{tenant}`,
        image: `${registry.host}/${REPO}`,
        'settle-budget': '3',
        'settle-interval': '1',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '11', ...spec.env(forge) }
    })
  }

  const report = (run: DistRun) => JSON.parse(run.outputs.report)
  const latestDigest = async () => (await readTag(registry, REPO, 'latest'))?.digest

  it('a canary that goes stale halts the run: the rest untouched, :latest unmoved, the wave named', async () => {
    const run = await deploy({ waves: '1, 50%, 100%' }, ['stuck', ...TENANTS])
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('stale')
    expect(controlPlane.calls.map((c) => c.path)).toEqual(['/roll/stuck'])
    expect(run.stdout).toContain('::error::stuck is stale: actual=7a72516, expected=7f25373')
    expect(report(run).message).toMatch(
      /^wave 1 of 3 halted: 1 tenant\(s\) did not report 7f25373 within the 3s settle budget \(the wave took [\d.]+s: redeploy and verify\), more than max-failures 0; 2 later wave\(s\) not attempted/
    )
    expect(report(run).waves.map((w: { result: string }) => w.result)).toEqual(['halted', 'not_attempted', 'not_attempted'])
    // The job summary draws the waves and puts the stale canary first, with its commit and what to do.
    expect(run.summary).toContain('**Waves** 🔴 wave 1 → ⚪ wave 2 → ⚪ wave 3')
    expect(run.summary).toMatch(
      /### Needs attention \(1\)\n\n\*\*🔴 stale \(1\)\*\* — did not pick up the new image[^\n]*\n\n[^\n]*\n[^\n]*\n\| `stuck` \| `7a72516` \|/
    )
    // Read once by the plan, never again, never told to roll.
    expect(TENANTS.map((name) => fleet.requests(name))).toEqual(TENANTS.map(() => 1))
    expect(await latestDigest()).toBe(olderDigest)
    expect(report(run).promotion).toMatchObject({ tag: 'latest', status: 'not_attempted', before: null, after: null })
    expect(run.summary).toContain('(not attempted): not touched: the run ended before the promotion')
  })

  it('a tenant that fell back counts with one that never rolled: with max-failures 1 the wave halts, the later wave never rolls', async () => {
    afterCall = () => {
      // ana comes up on the new commit for one read, then falls back to the old one.
      if (controlPlane.calls.at(-1)?.path === '/roll/ana') fleet.set('ana', { sha: NEWER, shaAfter: { count: fleet.requests('ana') + 1, sha: OLDER } })
    }
    const run = await deploy({ waves: '2, 100%', 'max-failures': '1' }, ['stuck', 'ana', 'bo', 'cy'])
    expect(run.code).toBe(1)
    expect(controlPlane.calls.map((c) => c.path).sort()).toEqual(['/roll/ana', '/roll/stuck'])
    expect(report(run).message).toMatch(
      /^wave 1 of 2 halted: 2 tenant\(s\) did not report 7f25373 within the 3s settle budget \(the wave took [\d.]+s: redeploy and verify\), more than max-failures 1/
    )
    expect(report(run).tenants.find((t: { name: string }) => t.name === 'ana')).toMatchObject({ state: 'stale', regressed: true })
    expect(report(run).waves.map((w: { result: string; redeployed: number }) => [w.result, w.redeployed])).toEqual([
      ['halted', 2],
      ['not_attempted', 0]
    ])
    expect(run.summary).toContain('| 2 | 2 | 0 | ⚪ not attempted | – |')
    expect(await latestDigest()).toBe(olderDigest)
  })

  it('a stale canary within max-failures is drawn red, not green, and the run goes on to end red without promoting', async () => {
    const run = await deploy({ waves: '1, 100%', 'max-failures': '1' }, ['stuck', ...TENANTS])
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('stale')
    expect(report(run).waves.map((w: { result: string }) => w.result)).toEqual(['stale', 'converged'])
    expect(run.summary).toContain('**Waves** 🔴 wave 1 → 🟢 wave 2')
    expect(await latestDigest()).toBe(olderDigest)
  })

  it('three waves converge in order, then :latest moves to the verified image', async () => {
    const run = await deploy({ waves: '1, 50%, 100%', 'max-parallel': '2' })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('deployed')
    expect(controlPlane.calls[0].path).toBe('/roll/hongming')
    expect(controlPlane.calls.map((c) => c.path).sort()).toEqual(TENANTS.map((name) => `/roll/${name}`).sort())
    const waveOf = Object.fromEntries(report(run).tenants.map((t: { name: string; wave: number }) => [t.name, t.wave]))
    expect(waveOf).toEqual({ hongming: 1, ana: 2, bo: 2, cy: 3, di: 3, ed: 3 })
    // Each wave's calls are sent only after the earlier wave verified.
    const order = controlPlane.calls.map((c) => waveOf[c.path.slice('/roll/'.length)])
    expect(order).toEqual([...order].sort())
    expect(report(run).waves.map((w: { result: string }) => w.result)).toEqual(['converged', 'converged', 'converged'])
    expect(await latestDigest()).toBe(newerDigest)
    expect(forge.statuses(NEWER)).toEqual([expect.objectContaining({ context: 'fleet-forward/production', state: 'success' })])
  })

  it('a newer commit landing during wave 2 ends the run superseded: wave 3 untouched, :latest unmoved', async () => {
    afterCall = (calls) => {
      if (calls === 2) forge.pushCommit('main', NEWEST)
    }
    const run = await deploy({ waves: '1, 50%, 100%', 'max-parallel': '1' })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('superseded')
    expect(controlPlane.calls.length).toBeLessThanOrEqual(3)
    expect(controlPlane.calls.map((c) => c.path)).not.toEqual(expect.arrayContaining(['/roll/cy', '/roll/di', '/roll/ed']))
    expect(report(run).waves.map((w: { result: string }) => w.result)).toEqual(['converged', 'superseded', 'not_attempted'])
    expect(['cy', 'di', 'ed'].map((name) => fleet.requests(name))).toEqual([1, 1, 1])
    expect(await latestDigest()).toBe(olderDigest)
    expect(forge.statuses(NEWER)).toEqual([])
  })
})
