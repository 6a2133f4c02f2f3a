import { parseSettings } from '../../src/config/parse.js'
import { deployFleet } from '../../src/core/deploy.js'
import { GitHubForge } from '../../src/forge/github.js'
import type { Forge } from '../../src/forge/types.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { BASE, MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

/**
 * The run's GitHub deployment, through the whole pipeline on the fake GitHub: created at the start of the
 * redeploy with the documented fields, `in_progress`, then finished with the run's result; a token
 * without `deployments: write` gets one warning and the deploy goes on.
 */
const TOKEN = 'ghs_deploy_token'
const RUN_URL = 'https://github.com/acme/fleet/actions/runs/9'

let clock: VirtualClock
let github: FakeGitHub
let fleet: FakeFleet
let controlPlane: ControlPlane
let log: RecordingLogger
/** Runs when the control plane is told to roll (after it rolled the fleet). */
let onRoll: () => void

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 10, 23))
  github = await startIncidentForge(new FakeGitHub({ token: TOKEN, now: () => clock.now() }))
  fleet = await startFakeFleet({ sha: OLDER, clock })
  onRoll = () => undefined
  controlPlane = await startControlPlane((body) => {
    fleet.setDefaultSha(body.sha)
    onRoll()
  })
  log = new RecordingLogger()
})

afterEach(async () => {
  await Promise.all([github.close(), fleet.close(), controlPlane.close()])
})

function deploy(inputs: Record<string, string> = {}, forge: Forge = gitHubForge(), onDeployment?: (id: number | null) => void) {
  const all: Record<string, string> = {
    token: TOKEN,
    branch: 'main',
    sha: NEWER,
    environment: 'production',
    tenants: ['hongming', 'ana'].map((n) => `${n} ${fleet.url(n)}`).join('\n'),
    'redeploy-url': `${controlPlane.url}/roll`,
    'settle-budget': '30',
    'settle-interval': '10',
    ...inputs
  }
  const settings = parseSettings(
    (name) => all[name] ?? '',
    { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '9', GITHUB_SERVER_URL: 'https://github.com' },
    () => ''
  )
  return deployFleet(settings, { forge, clock, log, signal: new AbortController().signal, onDeployment })
}

function gitHubForge(): GitHubForge {
  return new GitHubForge({ repository: 'acme/fleet', token: TOKEN, http: { baseUrl: github.apiUrl, clock } })
}

function states(index = 0): string[] {
  return github.deployments[index]!.statuses.map((s) => s.state)
}

describe('the run as a GitHub deployment', () => {
  test('created for the expected commit with the documented fields, in_progress, then success with log_url and environment_url', async () => {
    const record = await deploy({ 'environment-url': 'https://fleet.example.com/' })
    expect(record.result).toBe('deployed')
    const [post] = github.requestsTo(/\/deployments$/, 'POST')
    expect(post!.body).toMatchObject({
      ref: NEWER,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: true
    })
    expect(github.deployments).toHaveLength(1)
    expect(github.deployments[0]).toMatchObject({ sha: NEWER, environment: 'production', productionEnvironment: true })
    expect(github.deployments[0]!.statuses).toEqual([
      { state: 'in_progress', description: 'rolling staging-7f25373 to the fleet', logUrl: RUN_URL, environmentUrl: 'https://fleet.example.com/' },
      { state: 'success', description: 'every tenant verified on 7f25373', logUrl: RUN_URL, environmentUrl: 'https://fleet.example.com/' }
    ])
    // The commit status stays the durable record.
    expect(github.statuses(NEWER).map((s) => `${s.context}=${s.state}`)).toEqual(['fleet-forward/production=success'])
  })

  test('tells the action the open deployment (for its post step) once created, and null once finished', async () => {
    const told: (number | null)[] = []
    await deploy({}, gitHubForge(), (id) => told.push(id))
    expect(told).toEqual([github.deployments[0]!.id, null])
  })

  test('a staging environment is not a production environment, and no environment_url is sent when none was given', async () => {
    await deploy({ environment: 'staging' })
    expect(github.requestsTo(/\/deployments$/, 'POST')[0]!.body).toMatchObject({ environment: 'staging', production_environment: false })
    const statusPosts = github.requestsTo(/\/deployments\/\d+\/statuses$/, 'POST')
    expect(statusPosts.map((r) => Object.keys(r.body as object).sort())).toEqual([
      ['description', 'log_url', 'state'],
      ['description', 'log_url', 'state']
    ])
  })

  test('deploys a commit whose other checks failed, without first requiring them (GitHub would answer 409)', async () => {
    await gitHubForge().setStatus(NEWER, { context: 'ci/lint', state: 'failure', description: 'lint', targetUrl: null })
    expect((await deploy()).result).toBe('deployed')
    expect(github.deployments.map((d) => d.sha)).toEqual([NEWER])
  })

  test('deploys a release branch behind the default branch as it is (GitHub would merge main into it: 202, no deployment)', async () => {
    github.setBranch('release', OLDER)
    fleet.setDefaultSha(BASE)
    expect((await deploy({ sha: OLDER, branch: 'release' })).result).toBe('deployed')
    expect(github.deployments.map((d) => d.sha)).toEqual([OLDER])
    expect(log.warnings).toEqual([])
  })

  test('a stale fleet finishes the deployment as failure', async () => {
    fleet.set('hongming', { sha: OLDER })
    const record = await deploy()
    expect(record.result).toBe('stale')
    expect(states()).toEqual(['in_progress', 'failure'])
    expect(github.deployments[0]!.statuses[1]!.description).toBe('not every tenant reported 7f25373 within the settle budget')
  })

  test('a run superseded after it began leaves its deployment inactive', async () => {
    const newest = 'f'.repeat(40)
    onRoll = () => {
      github.pushCommit('main', newest)
      clock.advance(5_000) // the rollout takes a while
    }
    const record = await deploy()
    expect(record.result).toBe('superseded')
    expect(states()).toEqual(['in_progress', 'inactive'])
  })

  test('a run that stops before the redeploy creates no deployment', async () => {
    fleet.setDefaultSha(NEWER)
    expect((await deploy({ sha: OLDER })).result).toBe('superseded')
    expect((await deploy({ 'dry-run': 'true' })).result).toBe('planned')
    expect(github.requestsTo(/\/deployments/)).toEqual([])
  })

  test('a token without deployments: write gets one warning naming the permission, and the deploy and its record go on', async () => {
    github.denyPermission('deployments')
    const record = await deploy()
    expect(record.result).toBe('deployed')
    expect(log.warnings).toEqual([
      "cannot create the deployment to 'production': the token lacks the 'deployments: write' permission (grant it in the workflow's permissions:); the deploy goes on; the commit status fleet-forward/production stays its record"
    ])
    expect(github.requestsTo(/\/deployments/)).toHaveLength(1)
    expect(github.statuses(NEWER).map((s) => s.state)).toEqual(['success'])
  })

  test('a rate limit on the create is not mistaken for a missing permission', async () => {
    github.failNext(/\/deployments$/, { status: 403, headers: { 'retry-after': '3600' }, body: { message: 'You have exceeded a secondary rate limit.' } })
    expect((await deploy()).result).toBe('deployed')
    expect(log.warnings).toEqual([
      "could not create the deployment to 'production' (rate_limited); the deploy goes on; the commit status fleet-forward/production stays its record"
    ])
  })

  test('a create that met a 502 is not sent again (a second deployment would appear): one warning, the deploy goes on', async () => {
    github.failNext(/\/deployments$/, { afterWrite: { status: 502 } })
    const record = await deploy()
    expect(record.result).toBe('deployed')
    expect(github.requestsTo(/\/deployments$/, 'POST')).toHaveLength(1)
    expect(github.deployments).toHaveLength(1)
    expect(log.warnings).toEqual([
      "could not create the deployment to 'production' (http_5xx); the deploy goes on; the commit status fleet-forward/production stays its record"
    ])
  })

  test('a status update that met a 502 is sent again and lands once', async () => {
    github.failNext(/\/deployments\/1\/statuses$/, { afterWrite: { status: 502 } })
    await deploy()
    expect(states()).toEqual(['in_progress', 'in_progress', 'success'])
    expect(log.warnings).toEqual([])
  })

  test('a forge without deployments (Gitea) keeps the commit status only', async () => {
    const memory = new MemoryForge().commit(OLDER).commit(NEWER, OLDER).setBranch('main', NEWER)
    const record = await deploy({}, memory)
    expect(record.result).toBe('deployed')
    expect(log.warnings).toEqual([])
  })
})
