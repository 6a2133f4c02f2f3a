/**
 * Nothing secret leaves, end to end on both forges: the committed dist/ runs as a runner runs it
 * against servers that echo what they were sent. Every sink the action writes is read back: the log
 * (all but the `::add-mask::` lines, which are how the runner learns what to hide), the outputs, the
 * job summary, the history file and the commit statuses on the forge.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEchoServer, type EchoServer } from '../../test/support/echo-server.js'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { ECHO_ENCODINGS, leaksOf } from '../../test/support/secret-leaks.js'

const REDEPLOY_TOKEN = 'cp_DistRedeployToken77'
const USER = 'deployer'
const PASSWORD = 'p@ss/w0rd+Dist!77'
const BASIC_PAIR = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
/** Where a control plane's error body used to be cut, before it was scrubbed. */
const OLD_BODY_CUT = 2000

describe.each(RUNNER_FORGES)('dist/ on a $kind runner: nothing secret leaves', (spec) => {
  const forbidden = [spec.token, REDEPLOY_TOKEN, PASSWORD, BASIC_PAIR]
  let forge: FakeForgeServer
  let fleet: FakeFleet
  let echo: EchoServer

  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: OLDER })
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), echo?.close()])
  })

  function deploy(inputs: Record<string, string>, env: Record<string, string> = spec.env(forge)): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        sha: NEWER,
        branch: 'main',
        tenants: ['hongming', 'ana'].map((name) => `${name} ${fleet.url(name)}`).join('\n'),
        'settle-budget': '5',
        'settle-interval': '1',
        'history-file': 'history.jsonl',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '7', ...env }
    })
  }

  /** Every sink of the run, by name. */
  function sinks(run: DistRun): Record<string, string> {
    const history = join(run.dir, 'history.jsonl')
    return {
      'log lines': run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
      stderr: run.stderr,
      outputs: JSON.stringify(run.outputs),
      'job summary': run.summary,
      'history file': existsSync(history) ? readFileSync(history, 'utf8') : '',
      'commit statuses': JSON.stringify([...forge.statuses(NEWER), ...forge.statuses(OLDER)]),
      'deployment statuses': forge instanceof FakeGitHub ? JSON.stringify(forge.deployments) : ''
    }
  }

  /** Each secret a sink shows in any encoding, whole or half of it. */
  function leaks(run: DistRun, alsoForbidden: readonly string[] = []): string[] {
    return leaksOf(sinks(run), [...forbidden, ...alsoForbidden])
  }

  it('a control plane that answers 401 echoing the Authorization it refused', async () => {
    echo = await startEchoServer((req) => ({
      status: 401,
      body: `{"error":"refused ${req.headers.authorization}; [re-authenticate here](https://evil.example/login)"}`
    }))
    const run = await deploy({ 'redeploy-url': `${echo.url}/roll`, 'redeploy-token': REDEPLOY_TOKEN })
    expect(echo.requests[0].authorization).toBe(`Bearer ${REDEPLOY_TOKEN}`)
    expect(run.outputs.result).toBe('failed')
    expect(JSON.parse(run.outputs.report).message).toContain('refused Bearer ***')
    expect(forge.statuses(NEWER).map((s) => s.description)).toEqual(['deploy failed (http_4xx); the run log has the details'])
    // In the summary the echoed link is inside a code span, so GitHub shows it as text.
    expect(
      run.summary
        .split('\n')
        .map((line) => line.replace(/(`+)[\s\S]*?\1/g, ''))
        .join('\n')
    ).not.toContain('re-authenticate')
    expect(leaks(run)).toEqual([])
  })

  it.each([{ name: 'raw', encode: (secret: string) => secret }, ...ECHO_ENCODINGS])(
    'a control plane that answers 400 echoing the redeploy token ($name) behind a long query, across where its body was once cut',
    async ({ encode }) => {
      const head = '{"error":"rejected https://cp.example/roll?q='
      const echoed = `echo: ${JSON.stringify(encode(REDEPLOY_TOKEN)).slice(1, -1)}`
      // All of the echo but its last character before the old cut; the scrubber shortens the query to `?…`.
      const filler = 'q'.repeat(OLD_BODY_CUT - head.length - ' '.length - (echoed.length - 1))
      echo = await startEchoServer(() => ({ status: 400, body: `${head}${filler} ${echoed}"}` }))
      const run = await deploy({ 'redeploy-url': `${echo.url}/roll`, 'redeploy-token': REDEPLOY_TOKEN })
      expect(run.outputs.result).toBe('failed')
      expect(JSON.parse(run.outputs.report).message).toContain('roll?… echo: ***')
      expect(leaks(run)).toEqual([])
    }
  )

  it('a registry that answers 401 echoing the Basic header: the pair is masked on the runner and written nowhere', async () => {
    echo = await startEchoServer((req) =>
      req.headers.authorization
        ? { status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `refused ${req.headers.authorization} (${BASIC_PAIR})` }] }) }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="fleet"' }, body: '' }
    )
    const run = await deploy({ image: `${echo.host}/acme/fleet`, 'target-tag': 'release', 'registry-username': USER, 'registry-password': PASSWORD })
    expect(echo.requests.map((r) => r.authorization)).toContain(`Basic ${BASIC_PAIR}`)
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout.split('\n')).toEqual(expect.arrayContaining([`::add-mask::${PASSWORD}`, `::add-mask::${BASIC_PAIR}`]))
    expect(JSON.parse(run.outputs.report).message).toMatch(/refused Basic \*\*\* \(\*\*\*\)/)
    expect(leaks(run)).toEqual([])
  })

  it('a registry bearer token fetched during the run is masked on the runner and written nowhere', async () => {
    const fetched = 'reg_DistFetchedBearer77'
    echo = await startEchoServer((req, host) => {
      if (req.url?.startsWith('/token')) return { status: 200, body: JSON.stringify({ token: fetched }) }
      if (req.headers.authorization) return { status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: `token ${fetched} may not pull` }] }) }
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="fleet",scope="repository:acme/fleet:pull"` },
        body: ''
      }
    })
    const run = await deploy({ image: `${echo.host}/acme/fleet`, 'target-tag': 'release', 'registry-username': USER, 'registry-password': PASSWORD })
    expect(echo.requests.map((r) => r.authorization)).toContain(`Bearer ${fetched}`)
    expect(run.stdout.split('\n')).toContain(`::add-mask::${fetched}`)
    expect(JSON.parse(run.outputs.report).message).toContain('token *** may not pull')
    expect(leaks(run, [fetched])).toEqual([])
  })

  it('an invalid tenant URL that carries credentials and a query token is refused without echoing them', async () => {
    const url = `https://bob:${encodeURIComponent(PASSWORD)}@bad host/x?token=${spec.token}`
    const run = await deploy({ tenants: JSON.stringify([{ name: 'a', url }]) })
    expect(run.outputs.result).toBe('failed')
    expect(JSON.parse(run.outputs.report).message).toMatch(/tenant 'a' is not a URL/)
    expect(forge.requests).toHaveLength(0)
    expect(leaks(run)).toEqual([])
  })

  /** The runner's variables without GITHUB_API_URL: the API URL must be derived from the server URL. */
  function withoutApiUrl(): Record<string, string> {
    const env = { ...spec.env(forge) }
    delete env.GITHUB_API_URL
    return env
  }

  if (spec.kind === 'github') {
    it('with a GitHub Enterprise server URL and no API URL, the token goes to <server>/api/v3 only', async () => {
      // The echo server records the request and refuses the token, so the run ends at once (auth) after it.
      echo = await startEchoServer(() => ({ status: 401, body: '{"message":"Bad credentials"}' }))
      const run = await deploy({}, { ...withoutApiUrl(), GITHUB_SERVER_URL: echo.url })
      expect(run.outputs.result).toBe('failed')
      expect(echo.requests[0]).toMatchObject({
        path: expect.stringMatching(/^\/api\/v3\/repos\/acme\/fleet\//),
        authorization: expect.stringMatching(new RegExp(` ${spec.token}$`))
      })
    })
  } else {
    it('with a Gitea server URL and no API URL, the token goes to <server>/api/v1 only', async () => {
      fleet.setDefaultSha(NEWER)
      const run = await deploy({}, withoutApiUrl())
      expect(run.outputs.result).toBe('noop')
      expect(forge.requests.every((r) => r.path.startsWith('/api/v1/'))).toBe(true)
    })
  }

  it('an API URL on another host than the server is an input error, before any request', async () => {
    echo = await startEchoServer(() => ({ status: 200, body: '{}' }))
    const run = await deploy({}, { ...spec.env(forge), GITHUB_API_URL: `${echo.url}/api/v1` })
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::fleet-forward production: failed — input 'GITHUB_API_URL': .* is not the API of the forge at/)
    expect(echo.requests).toHaveLength(0)
    expect(forge.requests).toHaveLength(0)
  })
})
