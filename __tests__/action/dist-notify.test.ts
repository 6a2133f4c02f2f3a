/**
 * Notifications as a runner runs the committed bundle, once per forge, to a local receiver: one message
 * after the record for a stale, failed, blocked or aborted run (the post step of a killed run sends the
 * last); none for a green run with notify-on red; a receiver that fails never changes the result.
 */
import type { ChildProcess } from 'node:child_process'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { startNotifyReceiver, type NotifyReceiver } from '../../test/support/notify-receiver.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'

const TENANTS = ['hongming', 'ana', 'bo']

interface JsonNote {
  result: string
  green: boolean
  counts: Record<string, number>
  attention: { name: string; state: string; detail: string }[]
  links: { label: string; url: string }[]
}

describe.each(RUNNER_FORGES)('notifications, dist/ on a $kind runner', (spec) => {
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let controlPlane: ControlPlane
  let receiver: NotifyReceiver

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: OLDER })
    // hongming never rolls: a run that waits for it goes stale.
    controlPlane = await startControlPlane((body) => {
      for (const name of body.tenants) if (name !== 'hongming') fleet.set(name, { sha: body.sha })
    })
    receiver = await startNotifyReceiver()
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close(), receiver.close()])
  })

  const env = () => ({ GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '7', GITHUB_RUN_NUMBER: '7', ...spec.env(forge) })

  function deploy(inputs: Record<string, string>, onSpawn?: (child: ChildProcess, output: () => string) => void): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        sha: NEWER,
        tenants: TENANTS.map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'redeploy-url': `${controlPlane.url}/roll`,
        'settle-budget': '2',
        'settle-interval': '1',
        'notify-url': `${receiver.url}/hooks/T0/s3cretPath`,
        ...inputs
      },
      env: env(),
      onSpawn
    })
  }

  const notes = () => receiver.received.map((r) => r.body as JsonNote)

  it('a stale run: one message after the record, naming the tenant that needs attention, with the run link', async () => {
    const run = await deploy({})
    expect(run.outputs.result).toBe('stale')
    expect(notes()).toHaveLength(1)
    expect(notes()[0]).toMatchObject({
      result: 'stale',
      green: false,
      counts: { stale: 1, converged: 2 },
      attention: [{ name: 'hongming', state: 'stale', detail: 'actual=7a72516' }],
      links: [
        { label: 'run', url: `${forge.url}/acme/fleet/actions/runs/7` },
        { label: 'commit', url: `${forge.url}/acme/fleet/commit/${NEWER}` },
        // Gitea has no deployments.
        ...(spec.kind === 'github' ? [{ label: 'deployments', url: `${forge.url}/acme/fleet/deployments` }] : [])
      ]
    })
    expect(run.stdout).toContain('notified notify-url (json): stale')
  })

  it('a failed run notifies; a receiver that answers 500 is a warning and the result stands', async () => {
    receiver.status = 500
    const run = await deploy({ 'redeploy-url': 'http://127.0.0.1:9/roll' })
    expect(run.outputs.result).toBe('failed')
    expect(notes().map((n) => n.result)).toEqual(['failed'])
    expect(run.stdout).toContain("::warning::could not notify notify-url (json): it answered HTTP 500; the run's result stands")
    expect(run.stdout).not.toContain('from the receiver')
  })

  it('a blocked run notifies (slack)', async () => {
    const run = await deploy({ 'require-verified-in': 'staging', 'notify-format': 'slack' })
    expect(run.outputs.result).toBe('blocked')
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0].raw).toContain('fleet-forward production: blocked')
  })

  it('a killed run: its post step records it aborted and notifies (teams)', async () => {
    const killAfterRound = (child: ChildProcess, output: () => string) => {
      const timer = setInterval(() => {
        if (/round 1:/.test(output())) {
          clearInterval(timer)
          child.kill('SIGKILL')
        }
      }, 20)
      child.on('close', () => clearInterval(timer))
    }
    const killed = await deploy({ 'settle-budget': '600', 'notify-format': 'teams' }, killAfterRound)
    expect(killed.signal).toBe('SIGKILL')
    expect(receiver.received).toHaveLength(0)
    const post = await runDist({
      entry: 'post',
      inputs: { token: spec.token, 'notify-url': `${receiver.url}/hooks/T0/s3cretPath`, 'notify-format': 'teams' },
      env: env(),
      state: killed.state
    })
    expect(post.code).toBe(0)
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0].body).toMatchObject({ '@type': 'MessageCard', title: 'fleet-forward production: aborted (7f25373)' })
  })

  it('notify-on red: no message for a green run', async () => {
    fleet.set('hongming', { sha: NEWER })
    const run = await deploy({})
    expect(run.outputs.result).toBe('deployed')
    expect(receiver.received).toEqual([])
  })

  it('notify-on always: a deferred run is notified too, with the next window', async () => {
    const run = await deploy({ 'notify-on': 'always', 'deploy-freezes': '2020-01-01T00:00 2099-01-01T00:00 UTC' })
    expect(run.outputs.result).toBe('deferred')
    expect(notes()).toMatchObject([{ result: 'deferred', green: true, counts: { pending: 3 }, attention: [] }])
  })
})
