/**
 * The cross-run lock as runners see it, once per forge: a run killed while holding the lock blocks the
 * next run (which names the holder) until the killed run's post step releases it; a cancelled run
 * releases it on its own way out; a refused token fails at once; a release the forge did not answer and
 * a claim whose sender was killed are finished by the post step, from what the main step saved; the
 * lease is proven without a forge write per tenant; a killed run's redeploy-command is stopped.
 */
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { startControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { liveProcesses } from '../../test/support/processes.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'

/** Where each forge keeps the lock: GitHub a ref (claim POST /git/refs, then GraphQL), Gitea generation tags. */
/** The runner's clock runs `skewMs` off the forge's. */
function skewedClock(skewMs: number): Record<string, string> {
  return { NODE_OPTIONS: `--require ${resolve('test/support/skewed-clock.cjs')}`, FF_TEST_CLOCK_SKEW_MS: String(skewMs) }
}

const FIFTEEN_MINUTES = 15 * 60_000

const LOCK_PATHS = {
  github: { claim: /\/git\/refs$/, release: /\/graphql$/, writes: /\/git\/refs$|\/graphql$/, permission: 'contents: write' },
  gitea: { claim: /\/tags$/, release: /\/tags$/, writes: /\/tags$/, permission: 'write:repository' }
} as const

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

  function deploy(
    runId: string,
    inputs: Record<string, string> = {},
    onSpawn?: (child: ChildProcess, output: () => string) => void,
    clockSkewMs = 0
  ): Promise<DistRun> {
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
      env: {
        GITHUB_REPOSITORY: 'acme/fleet',
        GITHUB_RUN_ID: runId,
        GITHUB_RUN_NUMBER: runId,
        ...spec.env(forge),
        ...(clockSkewMs ? skewedClock(clockSkewMs) : {})
      },
      onSpawn
    })
  }

  /** Acts on the running main step once `ready` holds (checked every 20 ms). */
  function once(ready: (output: string) => boolean, act: (child: ChildProcess) => void) {
    return (child: ChildProcess, output: () => string) => {
      const timer = setInterval(() => {
        if (ready(output())) {
          clearInterval(timer)
          act(child)
        }
      }, 20)
      child.on('close', () => clearInterval(timer))
    }
  }

  function signalAfter(pattern: RegExp, signal: NodeJS.Signals) {
    return once(
      (output) => pattern.test(output),
      (child) => child.kill(signal)
    )
  }

  /** The post step as the runner starts it, with the main step's state; its tenants file is gone by now. */
  function postStep(runId: string, state: Record<string, string>): Promise<DistRun> {
    return runDist({
      entry: 'post',
      inputs: { token: spec.token, 'tenants-file': 'deploy/tenants.txt' },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: runId, GITHUB_RUN_NUMBER: runId, ...spec.env(forge) },
      state
    })
  }

  const lock = LOCK_PATHS[spec.kind]

  it('a killed holder blocks the next run, naming it, until its post step releases the lock', async () => {
    fleet.set('hongming', { sha: OLDER })
    const killed = await deploy('7', {}, signalAfter(/round 1:/, 'SIGKILL'))
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.stdout).toMatch(/lock 'production' acquired/)

    const waiting = await deploy('8', { 'lock-timeout': '1' })
    expect(waiting.code).toBe(1)
    expect(waiting.outputs.result).toBe('blocked')
    expect(waiting.outputs.report).toContain('/acme/fleet/actions/runs/7')

    const post = await postStep('7', killed.state)
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

  it('a token the forge refuses on the lock read ends the run failed at once, class auth', async () => {
    forge.failNext(/fleet-forward/, { status: 401, body: { message: 'Bad credentials' } }, 100)
    const run = await deploy('7', { 'lock-timeout': '5' })
    expect(run.outputs.result).toBe('failed')
    const report = JSON.parse(run.outputs.report) as { error_class: string; message: string }
    expect(report.error_class).toBe('auth')
    expect(report.message).toContain(`lock 'production'`)
  })

  it('a token that may not write the lock ends the run failed at once, class permission, naming the permission', async () => {
    const writes = spec.kind === 'github' ? /\/git\/refs$|\/graphql$|\/git\/commits$/ : lock.writes
    forge.failNext(writes, { status: 403, body: { message: 'Resource not accessible by integration' } }, 100)
    const run = await deploy('7', { 'lock-timeout': '5' })
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    const report = JSON.parse(run.outputs.report) as { error_class: string; message: string }
    expect(report.error_class).toBe('permission')
    expect(report.message).toContain(`lock 'production'`)
    expect(report.message).toContain(lock.permission)
  })

  it('a release the forge did not answer is left to the post step, which frees the lock: the next run does not wait out the lease', async () => {
    fleet.set('hongming', { sha: OLDER })
    const first = await deploy(
      '7',
      {},
      // Verify has begun (hongming was planned to roll): the release is still to come.
      once(
        (output) => /round 1:/.test(output),
        () => {
          forge.failNext(lock.release, { status: 502 }, 2)
          fleet.set('hongming', { sha: NEWER })
        }
      )
    )
    expect(first.outputs.result).toBe('deployed')
    expect(first.stdout).toMatch(/could not release lock 'production'.*the post step tries again/)
    expect(first.state['held-lock']).toBeTruthy()

    const post = await postStep('7', first.state)
    expect(post.code).toBe(0)
    expect(post.stdout).toMatch(/lock 'production' released by the post step/)
    const next = await deploy('8', { 'lock-timeout': '1' })
    expect(next.outputs.result).toBe('noop')
  })

  it('a main step killed between sending its claim and seeing the answer: the post step releases the claim that landed', async () => {
    forge.failNext(lock.claim, { afterWrite: { hang: true } })
    const killed = await deploy(
      '7',
      {},
      once(
        () => forge.requestsTo(lock.claim, 'POST').length > 0,
        (child) => child.kill('SIGKILL')
      )
    )
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.stdout).not.toMatch(/lock 'production' acquired/)

    const post = await postStep('7', killed.state)
    expect(post.stdout).toMatch(/lock 'production' released by the post step/)
    const next = await deploy('8', { 'lock-timeout': '1' })
    expect(next.outputs.result).toBe('noop')
  })

  it('the lease is proven without a forge write per tenant: a per-tenant redeploy writes the lock only to take and release it', async () => {
    const names = ['t1', 't2', 't3', 't4', 't5', 't6']
    fleet.setDefaultSha(OLDER)
    const plane = await startControlPlane((body) => fleet.set(body.tenants[0]!, { sha: body.sha }))
    try {
      const run = await deploy('7', { tenants: names.map((n) => `${n} ${fleet.url(n)}`).join('\n'), 'redeploy-url': `${plane.url}/roll/{tenant}` })
      expect(run.outputs.result).toBe('deployed')
      expect(plane.calls).toHaveLength(names.length)
      expect(forge.requestsTo(lock.writes, 'POST')).toHaveLength(2)
    } finally {
      await plane.close()
    }
  })

  it("a main step killed while its redeploy-command runs: the post step stops the command's whole process group", async () => {
    fleet.set('hongming', { sha: OLDER })
    const killed = await deploy('7', { 'redeploy-command': 'echo started; sleep 300; echo rolled' }, signalAfter(/redeploy-command: started/, 'SIGKILL'))
    const pgid = Number(killed.state['command-pgid'])
    try {
      expect(liveProcesses(pgid)).not.toEqual([])
      const post = await postStep('7', killed.state)
      expect(post.code).toBe(0)
      expect(liveProcesses(pgid)).toEqual([])
    } finally {
      if (pgid > 1) {
        try {
          process.kill(-pgid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    }
  })

  // A lease of 360 s (settle budget 60 s + 300 s): a 15-minute skew puts a runner's own clock past its end.
  it.each([
    ['a waiting runner whose clock runs 15 minutes ahead', 0, FIFTEEN_MINUTES],
    ['a waiting runner, after a holder whose clock runs 15 minutes behind', -FIFTEEN_MINUTES, 0]
  ])('%s does not take over the live holder: leases are judged on the forge clock', async (_name, holderSkew, waiterSkew) => {
    fleet.set('hongming', { sha: OLDER })
    const killed = await deploy('7', { 'settle-budget': '60' }, signalAfter(/round 1:/, 'SIGKILL'), holderSkew)
    expect(killed.stdout).toMatch(/lock 'production' acquired/)
    // A waiter that took the lock over would find nothing to do and end noop.
    fleet.set('hongming', { sha: NEWER })
    const waiting = await deploy('8', { 'lock-timeout': '1' }, undefined, waiterSkew)
    expect(waiting.outputs.result).toBe('blocked')
    expect(waiting.outputs.report).toContain('/acme/fleet/actions/runs/7')
  })
})
