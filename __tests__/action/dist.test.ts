/**
 * Runner-style tests: the committed dist/ runs as a runner runs it (node dist/index.js, INPUT_*
 * variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE files) against a fake forge and a
 * fake fleet on 127.0.0.1. These are the incident's regression tests.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'

const TENANTS = ['hongming', 'ana', 'bo', 'cy', 'di', 'ed', 'fu', 'gi']

interface Stage {
  forge: FakeForgeServer
  fleet: FakeFleet
  controlPlane: ControlPlane
  env: Record<string, string>
  tenantsInput: string
}

describe.each(RUNNER_FORGES)('dist/ on a $kind runner', (spec) => {
  const TOKEN = spec.token

  let stage: Stage

  beforeEach(async () => {
    const forge = await startIncidentForge(spec.start(TOKEN))
    const fleet = await startFakeFleet({ sha: OLDER })
    const controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
    stage = {
      forge,
      fleet,
      controlPlane,
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '7', GITHUB_RUN_NUMBER: '7', GITHUB_SHA: NEWER, ...spec.env(forge) },
      tenantsInput: TENANTS.map((name) => `${name} ${fleet.url(name)}`).join('\n')
    }
  })

  afterEach(async () => {
    await Promise.all([stage.forge.close(), stage.fleet.close(), stage.controlPlane.close()])
  })

  /** The step's inputs; a runner gives the post step the same ones. */
  function stepInputs(inputs: Record<string, string>): Record<string, string> {
    return {
      token: TOKEN,
      branch: 'main',
      tenants: stage.tenantsInput,
      'redeploy-url': `${stage.controlPlane.url}/roll`,
      'settle-budget': '30',
      'settle-interval': '1',
      ...inputs
    }
  }

  function deploy(inputs: Record<string, string>, extra: Partial<Parameters<typeof runDist>[0]> = {}): Promise<DistRun> {
    return runDist({ inputs: stepInputs(inputs), env: stage.env, ...extra })
  }

  /** States of the run's deployment on GitHub, oldest first; Gitea has none (and must not be asked). */
  function deploymentStates(): string[] {
    return stage.forge instanceof FakeGitHub
      ? stage.forge.deployments.flatMap((d) => d.statuses.map((s) => s.state))
      : stage.forge.requestsTo(/deployments/).map((r) => r.path)
  }

  function record(run: DistRun) {
    return JSON.parse(run.outputs.report)
  }

  describe('on the runner', () => {
    it('deploys, verifies 8/8 and records the run once', async () => {
      const run = await deploy({ sha: NEWER, 'history-file': 'history/production.jsonl' })
      expect(run.code).toBe(0)
      expect(run.outputs).toMatchObject({ result: 'deployed', superseded: 'false', 'head-sha': NEWER, 'expected-sha': NEWER, 'stale-tenants': '[]' })
      expect(stage.controlPlane.calls).toHaveLength(1)
      expect(stage.controlPlane.calls[0].body).toMatchObject({ tag: 'staging-7f25373', sha: NEWER, tenants: TENANTS })
      const report = record(run)
      expect(report.tenants).toHaveLength(8)
      expect(report.tenants.every((t: { state: string }) => t.state === 'converged')).toBe(true)
      const history = readFileSync(join(run.dir, 'history/production.jsonl'), 'utf8').trim().split('\n')
      expect(history).toHaveLength(1)
      expect(JSON.parse(history[0])).toEqual(report)
      expect(run.summary).toContain('| `hongming` | 🟢 converged | `7f25373` |')
      expect(run.summary).toContain('When each tenant converged')
    })

    it('600 tenants, one stale: the job summary names it first, with its commit and a hint, and folds the 599 green ones', async () => {
      const names = Array.from({ length: 600 }, (_, i) => `tenant-${String(i + 1).padStart(5, '0')}`)
      stage.fleet.set('tenant-00551', { sha: OLDER })
      const run = await deploy({ sha: NEWER, tenants: names.map((name) => `${name} ${stage.fleet.url(name)}`).join('\n'), 'settle-budget': '3' })
      expect(run.outputs.result).toBe('stale')
      expect(run.outputs['stale-tenants']).toBe('["tenant-00551"]')
      const summary = run.summary.split('\n')
      const open = summary.slice(0, summary.indexOf('<details>'))
      const runLog = `[run log](${stage.forge.url}/acme/fleet/actions/runs/7)`
      const counts = `**600 tenants:** 🔴 1 stale · 🟢 599 converged · ${runLog}`
      expect(open[4].slice(0, counts.length)).toBe(counts)
      expect(open).toContain('### Needs attention (1)')
      expect(open).toContain('**🔴 stale (1)** — did not pick up the new image: check its rollout / restart it')
      // tenant, the commit it still reports, no error class (it answered), its wave, how often it was read.
      expect(open).toContainEqual(expect.stringMatching(/^\| `tenant-00551` \| `7a72516` \| – \| 1 \| \d+ \|$/))
      expect(open.filter((line) => /`tenant-\d+`/.test(line))).toHaveLength(1)
      expect(run.summary).toContain('<summary>🟢 599 converged or ahead</summary>')
    })

    it('120 tenants failing: the log counts them by class first and names them by class and commit, and the verdict is the first of a few error annotations', async () => {
      const names = Array.from({ length: 120 }, (_, i) => `tenant-${String(i + 1).padStart(3, '0')}`)
      for (const name of names.slice(0, 90)) stage.fleet.set(name, { sha: OLDER })
      for (const name of names.slice(90, 110)) stage.fleet.set(name, { status: 503 })
      const run = await deploy({ sha: NEWER, tenants: names.map((name) => `${name} ${stage.fleet.url(name)}`).join('\n'), 'settle-budget': '1' })
      expect(run.outputs.result).toBe('stale')
      const log = run.stdout.split('\n')
      const counts = log.findIndex((line) => line.startsWith('110 of 120 tenant(s) did not report 7f25373: '))
      expect(log[counts]).toBe(
        '110 of 120 tenant(s) did not report 7f25373: 90 stale, 20 unreachable: http_5xx (by class and commit below; a line per tenant up to 50)'
      )
      // Names by class and commit, 20 to a line, every line saying its class; a few probe details as examples.
      expect(log.slice(counts + 1, counts + 12)).toEqual([
        ...[0, 20, 40, 60, 80].map((from) => `stale, at 7a72516 (90): ${names.slice(from, Math.min(from + 20, 90)).join(', ')}`),
        `unreachable: http_5xx, at no commit (20): ${names.slice(90, 110).join(', ')}`,
        ...names.slice(90, 93).map((name) => `unreachable: http_5xx, e.g. ${name}: HTTP 503`),
        'recorded failure as fleet-forward/production on 7f25373',
        expect.any(String)
      ])
      expect(log.filter((line) => / is (stale|unreachable): /.test(line))).toEqual([])
      // GitHub shows 10 error annotations a step: the verdict first, then one per class.
      expect(log.filter((line) => line.startsWith('::error::'))).toEqual([
        expect.stringMatching(/^::error::fleet-forward production: stale — 110 of 120 tenant\(s\) did not report 7f25373 /),
        '::error::90 tenants stale, expected=7f25373, at 7a72516 (90): tenant-001, tenant-002, tenant-003, tenant-004, tenant-005 and 85 more',
        '::error::20 tenants unreachable: http_5xx, expected=7f25373, at no commit (20): tenant-091, tenant-092, tenant-093, tenant-094, tenant-095 and 15 more'
      ])
    })

    it('a dry run is a plan: it names each tenant that would roll, writes nothing, and ends planned (green)', async () => {
      stage.fleet.set('gi', { sha: NEWER })
      const run = await deploy({ sha: NEWER, 'dry-run': 'true' })
      expect(run.code).toBe(0)
      expect(run.outputs.result).toBe('planned')
      const rolls = TENANTS.filter((name) => name !== 'gi').map((name) => `${name} 7a72516 → 7f25373`)
      expect(run.stdout).toContain(`dry run, the fleet: would roll 7 (${rolls.join(', ')}), then verify 8 tenant(s)`)
      expect(run.summary).toContain('### Plan: 7 of 8 tenants would roll to `7f25373`')
      expect(run.summary).toContain(
        `- from \`7a72516\`: ${TENANTS.filter((name) => name !== 'gi')
          .map((name) => `\`${name}\``)
          .join(' ')}`
      )
      expect(run.summary).not.toContain('Needs attention')
      // The log's table calls them what the plan does: to roll, from their commit to the expected one.
      expect(run.stdout).toMatch(/^hongming +to roll +7a72516 → 7f25373 +1 /m)
      expect(run.stdout).not.toMatch(/^\w+ +stale /m)
      // Nothing written: no redeploy, no status, no lock, no deployment.
      expect(stage.controlPlane.calls).toHaveLength(0)
      expect(stage.forge.requests.filter((r) => r.method !== 'GET')).toEqual([])
    })

    it('the incident: the older run, started after the newer one verified, skips every side effect and stays green', async () => {
      stage.fleet.setDefaultSha(NEWER)
      const run = await deploy({ sha: OLDER, 'target-tag': 'staging-7a72516' })
      expect(run.code).toBe(0)
      expect(run.outputs).toMatchObject({ result: 'superseded', superseded: 'true', 'head-sha': NEWER })
      expect(run.stdout).toContain("superseded: branch 'main' is owned by 7f25373 (ahead of this run's 7a72516); this run skips every side effect")
      expect(stage.controlPlane.calls).toHaveLength(0)
      expect(stage.fleet.stats().requests).toBe(0)
      // What the reader sees: the fleet was not touched, and the commit that owns the branch, ahead of this one.
      const owner = `[\`7f25373\`](${stage.forge.url}/acme/fleet/commit/${NEWER})`
      expect(run.summary).toContain('**8 tenants:** not touched · [run log]')
      expect(run.summary).toContain(
        `**Not touched:** the branch head ${owner} (ahead of this run's \`7a72516\`) owns production; its run deploys the fleet, and this run told no tenant to roll.`
      )
      expect(run.summary).not.toMatch(/pending|the fleet must report/)
      expect(run.stdout).toContain('8 tenants, not touched: this run was superseded before it read or rolled any')
      expect(run.stdout).not.toMatch(/^\w+ +pending /m)
    })

    it('a dry run whose token the forge refuses made no plan: red in the summary and in the log', async () => {
      const run = await deploy({ sha: NEWER, 'dry-run': 'true', token: 'revoked-token' })
      expect(run.code).toBe(1)
      expect(run.outputs.result).toBe('failed')
      expect(run.summary).toMatch(/^## ❌ fleet-forward · production · failed$/m)
      expect(run.summary).toContain('### No plan was made: the dry run ended `failed` before it read the fleet')
      expect(run.summary).not.toMatch(/would roll|Plan: /)
      expect(run.stdout).toMatch(/^::error::fleet-forward production: failed — /m)
      expect(run.stdout).toContain('8 tenants, none read: the run ended failed before its first probe')
      expect(run.stdout).not.toMatch(/would roll/)
    })

    it('the mirror: head unreadable, fleet already ahead → not superseded, not stale, nothing rolled back', async () => {
      stage.fleet.setDefaultSha(NEWER)
      stage.forge.failNext(spec.headPath, { status: 502, body: { message: 'Server Error' } }, 1000)
      const run = await deploy({ sha: OLDER })
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/::warning::could not read the head of branch 'main' \(http_5xx/)
      // Warned once, and not repeated as a plain log line.
      expect(run.stdout.split('\n').filter((line) => line.includes("could not read the head of branch 'main'"))).toHaveLength(1)
      expect(run.outputs.result).toBe('noop')
      expect(record(run).tenants.map((t: { state: string }) => t.state)).toEqual(TENANTS.map(() => 'ahead'))
      expect(stage.controlPlane.calls).toHaveLength(0)
    })

    it('fail-open never rolls back: head unreadable, fleet ahead, a tenant that blips at planning is left alone', async () => {
      stage.fleet.setDefaultSha(NEWER)
      stage.fleet.set('hongming', { blip: { count: 1, status: 500 } })
      stage.forge.failNext(spec.headPath, { status: 502, body: { message: 'Server Error' } }, 1000)
      const run = await deploy({ sha: OLDER, 'target-tag': 'staging-7a72516' })
      expect(stage.controlPlane.calls).toHaveLength(0)
      expect(run.stdout).toContain(
        '::warning::not redeploying any tenant: this run could not prove it owns the branch, and 7 tenant(s) already run a newer commit'
      )
      expect(run.outputs.result).toBe('noop')
      expect(record(run).tenants.find((t: { name: string }) => t.name === 'hongming')).toMatchObject({ state: 'ahead', actual: NEWER })
    })

    it('verified at the verdict: a tenant that fell back after converging is stale, and no success is recorded', async () => {
      const now = Date.now()
      // hongming runs the new image, then its container comes back on the old one; ana converges late.
      stage.fleet.set('hongming', { schedule: [{ from: now + 3_000, sha: OLDER }] })
      stage.fleet.set('ana', { sha: OLDER, schedule: [{ from: now + 5_000, sha: NEWER }] })
      const run = await deploy({ sha: NEWER, 'settle-budget': '8' })
      expect(run.outputs.result).toBe('stale')
      expect(run.stdout).toContain('no longer report 7f25373 when read again before the verdict: hongming actual=7a72516')
      expect(run.stdout).toContain(
        '::error::hongming is stale: actual=7a72516, expected=7f25373 (regressed: it reported this commit or a newer one earlier in this run)'
      )
      expect(stage.forge.statuses(NEWER).map((s) => s.state)).toEqual(['failure'])
      // The record and the summary tell a tenant that went backward from one that never moved.
      expect(record(run).tenants.find((t: { name: string }) => t.name === 'hongming')).toMatchObject({ state: 'stale', regressed: true })
      expect(run.summary).toContain(
        '**🔴 stale · regressed (1)** — reported the new commit, then went back to an older one: check for a crash loop or something rolling it back'
      )
    })

    it('verified at the verdict: a tenant converged at planning that then fails its read is unreachable, not verified', async () => {
      stage.fleet.setDefaultSha(NEWER)
      stage.fleet.set('hongming', { downAfter: { count: 1, status: 500 } })
      stage.fleet.set('ana', { sha: OLDER, shaAfter: { count: 1, sha: NEWER } })
      const run = await deploy({ sha: NEWER, 'settle-budget': '5' })
      expect(run.outputs.result).toBe('stale')
      expect(run.stdout).toContain('::error::hongming is unreachable: http_5xx, expected=7f25373')
      expect(stage.forge.statuses(NEWER).map((s) => s.state)).toEqual(['failure'])
    })

    it('fails at once, as auth, when the forge refuses the token', async () => {
      const run = await deploy({ sha: NEWER, token: 'revoked-token' })
      expect(run.code).toBe(1)
      expect(run.outputs.result).toBe('failed')
      expect(record(run)).toMatchObject({ error_class: 'auth' })
      expect(run.stdout).toContain('the forge refused the token')
      expect(stage.controlPlane.calls).toHaveLength(0)
      expect(stage.fleet.stats().requests).toBe(0)
      // Not retried: a refused token is not the forge blinking.
      expect(stage.forge.requests.filter((r) => spec.headPath.test(r.path))).toHaveLength(1)
    })

    it('fails at once, as permission, naming what the token needs, when the head read is forbidden', async () => {
      stage.forge.failNext(spec.headPath, { status: 403, body: { message: 'Resource not accessible by integration' } }, 1000)
      const run = await deploy({ sha: NEWER })
      expect(run.outputs.result).toBe('failed')
      expect(record(run)).toMatchObject({ error_class: 'permission' })
      expect(run.stdout).toMatch(/the token lacks a permission: it needs (contents: read|read:repository)/)
      expect(stage.controlPlane.calls).toHaveLength(0)
    })

    it('fails loudly, by name, when a tenant stays stale', async () => {
      // hongming ignores the redeploy: its old container keeps answering.
      stage.fleet.set('hongming', { sha: OLDER })
      const run = await deploy({ sha: NEWER, 'settle-budget': '2' })
      expect(run.code).toBe(1)
      expect(run.outputs.result).toBe('stale')
      expect(run.outputs['stale-tenants']).toBe('["hongming"]')
      expect(run.stdout).toContain('::error::hongming is stale: actual=7a72516, expected=7f25373')
      expect(run.stdout.match(/^::error::\w+ is stale/gm)).toHaveLength(1)
      // first round, every second, and a last probe at the budget's end
      expect(record(run).tenants.find((t: { name: string }) => t.name === 'hongming')).toMatchObject({ state: 'stale', actual: OLDER, attempts: 3 })
    })

    it('rejects a bad input by name before contacting anything', async () => {
      const run = await deploy({ sha: NEWER, 'settle-budget': 'soon' })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain("::error::fleet-forward production: failed — input 'settle-budget': must be a number of seconds")
      expect(run.outputs.result).toBe('failed')
      expect(stage.forge.requests).toHaveLength(0)
      expect(stage.fleet.stats().requests).toBe(0)
      expect(stage.controlPlane.calls).toHaveLength(0)
    })

    it('reports every bad input of the step at once, one error line each', async () => {
      const run = await deploy({ sha: NEWER, 'settle-budget': 'soon', bake: 'later', environment: 'prod env' })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/^::error::input 'settle-budget': must be a number of seconds/m)
      expect(run.stdout).toMatch(/^::error::input 'environment': /m)
      expect(run.stdout).toMatch(/^::error::input 'bake': must be a number of seconds/m)
      expect(record(run).message).toMatch(/^3 inputs are invalid: input 'settle-budget': .*; input 'environment': .*; input 'bake': /)
      expect(stage.forge.requests).toHaveLength(0)
      expect(stage.controlPlane.calls).toHaveLength(0)
    })

    it('masks secrets at once and never writes them anywhere else', async () => {
      const run = await deploy({ sha: NEWER, 'redeploy-token': 'cp-secret-123', 'history-file': 'h.jsonl' })
      expect(run.code).toBe(0)
      const firstLines = run.stdout.split('\n').slice(0, 2)
      expect(firstLines).toEqual(expect.arrayContaining([`::add-mask::${TOKEN}`, '::add-mask::cp-secret-123']))
      const rest = run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n')
      const written = [rest, run.stderr, run.summary, JSON.stringify(run.outputs), readFileSync(join(run.dir, 'h.jsonl'), 'utf8')]
      for (const text of written) {
        expect(text).not.toContain(TOKEN)
        expect(text).not.toContain('cp-secret-123')
      }
      expect(stage.controlPlane.calls[0].headers.authorization).toBe('Bearer cp-secret-123')
    })

    it('never lets a tenant body run a workflow command', async () => {
      stage.fleet.set('hongming', { body: '{"sha":"::add-mask::x"}\r::stop-commands::pwned\n##[error]forged' })
      stage.fleet.set('ana', { status: 500, body: '::set-output name=result::deployed' })
      const run = await deploy({ sha: NEWER, 'settle-budget': '1' })
      expect(run.code).toBe(1)
      const lines = run.stdout.split(/\r\n|\r|\n/)
      expect(lines.filter((l) => /^\s*(::(add-mask|stop-commands|set-output)|##\[)/.test(l) && !l.startsWith(`::add-mask::${TOKEN}`))).toEqual([])
      expect(run.outputs.result).toBe('stale')
      expect(run.stdout).toContain('::error::hongming is unreachable: bad_payload, expected=7f25373')
    })
  })

  describe('the gate and the durable record', () => {
    it('blocks production until staging has verified the commit, then lets it through', async () => {
      const blocked = await deploy({ sha: NEWER, environment: 'production', 'require-verified-in': 'staging' })
      expect(blocked.code).toBe(1)
      expect(blocked.outputs.result).toBe('blocked')
      expect(stage.controlPlane.calls).toHaveLength(0)

      const staging = await deploy({ sha: NEWER, environment: 'staging' })
      expect(staging.outputs.result).toBe('deployed')
      expect(stage.forge.statuses(NEWER)).toEqual([expect.objectContaining({ context: 'fleet-forward/staging', state: 'success' })])

      const production = await deploy({ sha: NEWER, environment: 'production', 'require-verified-in': 'staging' })
      expect(production.code).toBe(0)
      expect(production.outputs.result).toBe('noop')
      expect(stage.forge.statuses(NEWER).map((s) => `${s.context}=${s.state}`)).toEqual(['fleet-forward/staging=success', 'fleet-forward/production=success'])
    })

    it('a rerun of a recorded commit whose fleet still reports it redeploys nothing', async () => {
      expect((await deploy({ sha: NEWER })).outputs.result).toBe('deployed')
      const rerun = await deploy({ sha: NEWER })
      expect(rerun.outputs.result).toBe('noop')
      expect(JSON.parse(rerun.outputs.report).message).toContain('already recorded as fleet-forward/production')
      expect(stage.controlPlane.calls).toHaveLength(1)
    })
  })

  describe('the deployment on the environments page', () => {
    it('GitHub shows the run as a deployment (in_progress, then success, with log_url and environment_url); Gitea keeps the commit status only', async () => {
      const run = await deploy({ sha: NEWER, 'environment-url': 'https://fleet.example.com/' })
      expect(run.outputs.result).toBe('deployed')
      expect(run.stdout).not.toContain('::warning::')
      expect(stage.forge.statuses(NEWER).map((s) => `${s.context}=${s.state}`)).toEqual(['fleet-forward/production=success'])
      const onGitHub = stage.forge instanceof FakeGitHub
      const logUrl = `${stage.forge.url}/acme/fleet/actions/runs/7`
      const shown = { logUrl, environmentUrl: 'https://fleet.example.com/' }
      const deployment = expect.objectContaining({
        sha: NEWER,
        environment: 'production',
        productionEnvironment: true,
        statuses: [expect.objectContaining({ state: 'in_progress', ...shown }), expect.objectContaining({ state: 'success', ...shown })]
      })
      expect(stage.forge instanceof FakeGitHub ? stage.forge.deployments : []).toEqual(onGitHub ? [deployment] : [])
      // create, in_progress, success on GitHub; Gitea has no deployments API and is not asked.
      expect(stage.forge.requestsTo(/deployments/)).toHaveLength(onGitHub ? 3 : 0)
      // The record keeps the deployment, and the summary links to it and to the environment.
      const created = stage.forge instanceof FakeGitHub ? stage.forge.deployments[0] : null
      expect(record(run).deployment).toEqual(created ? { id: created.id, environment_url: 'https://fleet.example.com/' } : null)
      const linkLine = run.summary.split('\n').find((line) => line.includes('[run log]'))
      const ownLinks = onGitHub ? ` · [deployment](${stage.forge.url}/acme/fleet/deployments) · [environment](https://fleet.example.com/)` : ''
      const ending = `[run log](${logUrl})${ownLinks}`
      expect(linkLine?.slice(-ending.length)).toBe(ending)
    })

    it('a token without deployments: write gets one warning naming the permission, and the deploy stays green (GitHub)', async () => {
      const onGitHub = stage.forge instanceof FakeGitHub
      if (stage.forge instanceof FakeGitHub) stage.forge.denyPermission('deployments')
      const run = await deploy({ sha: NEWER })
      expect(run.code).toBe(0)
      expect(run.outputs.result).toBe('deployed')
      const warnings = run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))
      expect(warnings).toHaveLength(onGitHub ? 1 : 0)
      const named = /^::warning::cannot create the deployment to 'production': the token lacks the 'deployments: write' permission/
      expect(warnings.filter((line) => named.test(line))).toEqual(warnings)
    })
  })

  describe('dist/ exit paths: exactly one record', () => {
    it('records a cancelled run (SIGTERM during verify) as aborted, once, and the post step adds none', async () => {
      stage.fleet.set('hongming', { sha: OLDER })
      const main = await deploy(
        { sha: NEWER, 'settle-budget': '600', 'history-file': 'h.jsonl' },
        {
          onSpawn: (child, output) => {
            const timer = setInterval(() => {
              if (/round 2:/.test(output())) {
                clearInterval(timer)
                child.kill('SIGTERM')
              }
            }, 20)
          }
        }
      )
      expect(main.code).toBe(1)
      expect(main.outputs.result).toBe('aborted')
      expect(record(main).message).toMatch(/^cancelled: received SIGTERM/)
      const post = await runDist({ entry: 'post', inputs: { 'history-file': 'h.jsonl' }, env: stage.env, state: main.state, dir: main.dir })
      expect(post.code).toBe(0)
      const history = readFileSync(join(main.dir, 'h.jsonl'), 'utf8').trim().split('\n')
      expect(history.map((line) => JSON.parse(line).result)).toEqual(['aborted'])
      // The main step finished its deployment itself; the post step adds nothing.
      expect(deploymentStates()).toEqual(stage.forge instanceof FakeGitHub ? ['in_progress', 'error'] : [])
    })

    it('the post step records a main step that was killed before it could', async () => {
      stage.fleet.set('hongming', { sha: OLDER })
      const main = await deploy(
        { sha: NEWER, 'settle-budget': '600', 'history-file': 'h.jsonl' },
        {
          onSpawn: (child, output) => {
            const timer = setInterval(() => {
              if (/round 1:/.test(output())) {
                clearInterval(timer)
                child.kill('SIGKILL')
              }
            }, 20)
          }
        }
      )
      expect(main.signal).toBe('SIGKILL')
      expect(main.outputs.result).toBeUndefined()
      expect(deploymentStates()).toEqual(stage.forge instanceof FakeGitHub ? ['in_progress'] : [])
      const post = await runDist({
        entry: 'post',
        inputs: stepInputs({ sha: NEWER, 'settle-budget': '600', 'history-file': 'h.jsonl', environment: 'production' }),
        env: stage.env,
        state: main.state,
        dir: main.dir
      })
      expect(post.code).toBe(0)
      const history = readFileSync(join(main.dir, 'h.jsonl'), 'utf8').trim().split('\n')
      expect(history).toHaveLength(1)
      expect(JSON.parse(history[0])).toMatchObject({ result: 'aborted', environment: 'production', sha: NEWER })
      expect(post.summary).toContain('aborted')
      // Its record still names the deployment, and the summary links to it.
      const created = stage.forge instanceof FakeGitHub ? stage.forge.deployments[0] : null
      expect(JSON.parse(history[0]).deployment).toEqual(created ? { id: created.id, environment_url: null } : null)
      expect(post.summary.includes(`[deployment](${stage.forge.url}/acme/fleet/deployments)`)).toBe(created !== null)
      // The deployment the killed main step left in_progress ends error, not in_progress for ever.
      expect(deploymentStates()).toEqual(stage.forge instanceof FakeGitHub ? ['in_progress', 'error'] : [])
      expect(post.stdout).not.toContain('::warning::post step could not')
    })
  })
})
