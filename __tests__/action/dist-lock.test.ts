/**
 * The cross-run lock as runners see it, once per forge: a run killed while holding the lock blocks the
 * next run (which names the holder) until the killed run's post step releases it; a cancelled run
 * releases it on its own way out.
 */
import type { ChildProcess } from 'node:child_process'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'


describe.each(RUNNER_FORGES)('the lock on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: NEWER })
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close()])
  })

  function deploy(runId: string, inputs: Record<string, string> = {}, onSpawn?: (child: ChildProcess, output: () => string) => void): Promise<DistRun> {
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
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: runId, ...spec.env(forge) },
      onSpawn
    })
  }

  function signalAfter(pattern: RegExp, signal: NodeJS.Signals) {
    return (child: ChildProcess, output: () => string) => {
      const timer = setInterval(() => {
        if (pattern.test(output())) {
          clearInterval(timer)
          child.kill(signal)
        }
      }, 20)
      child.on('close', () => clearInterval(timer))
    }
  }

  it('a killed holder blocks the next run, naming it, until its post step releases the lock', async () => {
    fleet.set('hongming', { sha: OLDER })
    const killed = await deploy('7', {}, signalAfter(/round 1:/, 'SIGKILL'))
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.stdout).toMatch(/lock 'production' acquired/)

    const waiting = await deploy('8', { 'lock-timeout': '1' })
    expect(waiting.code).toBe(1)
    expect(waiting.outputs.result).toBe('blocked')
    expect(waiting.outputs.report).toContain('/acme/fleet/actions/runs/7')

    const post = await runDist({ entry: 'post', inputs: { token: spec.token, branch: 'main', sha: NEWER, tenants: 'a http://127.0.0.1:9/' }, env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '7', ...spec.env(forge) }, state: killed.state })
    expect(post.code).toBe(0)

    fleet.set('hongming', { sha: NEWER })
    const next = await deploy('9', { 'lock-timeout': '1' })
    expect(next.outputs.result).toBe('noop')
  })

  it('a cancelled run releases the lock on its way out', async () => {
    fleet.set('hongming', { sha: OLDER })
    const cancelled = await deploy('7', {}, signalAfter(/round 1:/, 'SIGTERM'))
    expect(cancelled.outputs.result).toBe('aborted')
    fleet.set('hongming', { sha: NEWER })
    const next = await deploy('8', { 'lock-timeout': '1' })
    expect(next.outputs.result).toBe('noop')
  })
})
