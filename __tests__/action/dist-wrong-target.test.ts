/**
 * A run pointed at what the forge does not have, as runners see it, once per forge: a repository the
 * token cannot see (GitHub and Gitea answer 404 for a private repository, not 403) ends the run failed
 * at once with class not_found; a deploy branch that does not exist is input 'branch'. Neither waits
 * out lock-timeout nor fails open into a green run.
 */
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'

/** What only a run that waited, retried or failed open would print. */
const WAITED = /retrying until lock-timeout|waiting for lock|continuing as owner|could not read the lock|verifying on|round \d+:/

describe.each(RUNNER_FORGES)('a run aimed at what a $kind forge does not have', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let controlPlane: ControlPlane

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    // The fleet lags behind: a run that went on would redeploy it.
    fleet = await startFakeFleet({ sha: OLDER })
    controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
  })

  // lock-timeout and settle-budget at 600 s: a run that waited either out would outlast the test.
  function deploy(repository: string, branch: string): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch,
        sha: NEWER,
        tenants: `hongming ${fleet.url('hongming')}`,
        'redeploy-url': `${controlPlane.url}/roll`,
        'settle-budget': '600',
        'lock-timeout': '600'
      },
      env: { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: '11', ...spec.env(forge) }
    })
  }

  function failedAt(run: DistRun, errorClass: string): string {
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    const report = JSON.parse(run.outputs.report) as { error_class: string; message: string }
    expect(report.error_class).toBe(errorClass)
    expect(run.stdout).toContain('::error::')
    expect(run.stdout).not.toMatch(WAITED)
    // Nothing written: only reads reached the forge, no tenant was told to roll or read.
    expect(forge.requests.filter((req) => req.method !== 'GET')).toEqual([])
    expect(controlPlane.calls).toEqual([])
    expect(fleet.stats().requests).toBe(0)
    return report.message
  }

  it('a repository the token cannot see (404 on every call) fails at once with class not_found, saying what to grant', async () => {
    const message = failedAt(await deploy('acme/secret', 'main'), 'not_found')
    expect(message).toContain("repository 'acme/secret' cannot be seen with this token (GET /repos/acme/secret")
    expect(message).toContain('it is private and the token has no access to it, the name is wrong, or the token belongs to another installation or user')
    expect(message).toContain(
      spec.kind === 'github' ? 'a GitHub App installation token or a fine-grained token granted that repository' : 'a token of a user with write access to it'
    )
  })

  it("a deploy branch that does not exist is input 'branch', naming the default branch, not a green run", async () => {
    const message = failedAt(await deploy('acme/fleet', 'mian'), 'input')
    expect(message).toMatch(
      /^input 'branch': branch 'mian' does not exist in acme\/fleet \(GET \/repos\/acme\/fleet\/\S+ answered 404; its default branch is 'main'\)/
    )
  })
})
