/**
 * The run's link as a runner sees it, once per forge: GitHub addresses a run page by the run ID, Gitea by
 * the run's number in the repository (act_runner's GITHUB_RUN_ID is another number there). Every place
 * that links to the run carries the same page: the record's run_url, the commit status's target_url, the
 * job summary's run log link, and the lock holder a waiting run prints.
 */
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'

/** A run as each runner numbers it: the ID is instance-wide, the number counts the repository's runs. */
const RUN = { id: '4101', number: '37' }
const NEXT = { id: '4107', number: '38' }

/** The page a person opens for a run, per forge. */
const RUN_PAGE = {
  github: (server: string, run: typeof RUN) => `${server}/acme/fleet/actions/runs/${run.id}`,
  gitea: (server: string, run: typeof RUN) => `${server}/acme/fleet/actions/runs/${run.number}`
} as const

describe.each(RUNNER_FORGES)('the run link on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: NEWER })
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close()])
  })

  function deploy(run: typeof RUN, inputs: Record<string, string> = {}, onSpawn?: Parameters<typeof runDist>[0]['onSpawn']): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        sha: NEWER,
        tenants: ['hongming', 'ana'].map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'settle-budget': '600',
        'settle-interval': '1',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: run.id, GITHUB_RUN_NUMBER: run.number, ...spec.env(forge) },
      onSpawn
    })
  }

  it("links the record, the commit status and the job summary to the run's own page", async () => {
    // Behind at the planning probe, then on the commit (it rolled by itself): deployed, whatever the machine's speed.
    fleet.set('hongming', { sha: OLDER, shaAfter: { count: 1, sha: NEWER } })
    const run = await deploy(RUN)
    expect(run.outputs.result).toBe('deployed')
    const page = RUN_PAGE[spec.kind](forge.url, RUN)
    expect(JSON.parse(run.outputs.report).run_url).toBe(page)
    expect(forge.statuses(NEWER).map((status) => status.targetUrl)).toEqual([page])
    expect(run.summary).toContain(`[run log](${page})`)
    // The commit links still lead to the repository's commit pages.
    expect(run.summary).toContain(`[\`7f25373\`](${forge.url}/acme/fleet/commit/${NEWER})`)
  })

  it("a waiting run names the holder by its run's page", async () => {
    fleet.set('hongming', { sha: OLDER })
    const killed = await deploy(RUN, {}, (child, output) => {
      const timer = setInterval(() => {
        if (/round 1:/.test(output())) {
          clearInterval(timer)
          child.kill('SIGKILL')
        }
      }, 20)
      child.on('close', () => clearInterval(timer))
    })
    expect(killed.signal).toBe('SIGKILL')
    const waiting = await deploy(NEXT, { 'lock-timeout': '1' })
    expect(waiting.outputs.result).toBe('blocked')
    expect(waiting.stdout).toContain(`waiting for lock 'production': held by ${RUN_PAGE[spec.kind](forge.url, RUN)} (commit 7f25373`)
    expect(JSON.parse(waiting.outputs.report).run_url).toBe(RUN_PAGE[spec.kind](forge.url, NEXT))
  })
})
