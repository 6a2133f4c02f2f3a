/**
 * Nothing secret leaves, proved sink by sink: each secret form × each remote source that echoes it ×
 * each sink fleet-forward writes. The command line runs in-process against hostile servers on
 * 127.0.0.1; the action's own sinks (its log, outputs and summary file) are covered end to end by the
 * runner-style tests in __tests__/action/dist-secrets.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reportOutput } from '../../src/action/report-output.js'
import type { CliIO } from '../../src/cli/deploy.js'
import { runCli } from '../../src/cli/main.js'
import type { OutputStream } from '../../src/cli/terminal.js'
import { SimulatedRegistry } from '../../src/demo/registry.js'
import { renderSummary } from '../../src/report/summary.js'
import type { RunRecord } from '../../src/stages/record.js'
import { forgetSecrets } from '../../src/util/scrub.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startEchoServer, type EchoServer } from '../../test/support/echo-server.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'
import { ECHO_ENCODINGS, leaksOf } from '../../test/support/secret-leaks.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const TOKEN = 'ghs_MatrixForgeToken0042'
const REDEPLOY_TOKEN = 'cp_MatrixRedeployToken0042'
const USER = 'deployer'
const PASSWORD = 'p@ss/w0rd+Matrix!42'
const FETCHED = 'reg_MatrixFetchedBearer0042'
const BASIC_PAIR = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
const TENANTS = ['hongming', 'ana']

/** How a secret is echoed back, and what of it must never be written. */
interface SecretForm {
  readonly name: string
  readonly text: string
}

const FORMS: readonly SecretForm[] = [
  { name: 'raw', text: `${TOKEN} ${REDEPLOY_TOKEN} ${PASSWORD}` },
  { name: 'base64 pair', text: BASIC_PAIR },
  { name: 'URL-encoded', text: `${encodeURIComponent(PASSWORD)} ${encodeURIComponent(REDEPLOY_TOKEN)}` },
  { name: 'header', text: `Authorization: Basic ${BASIC_PAIR}, Bearer unknown-bearer-credential-9` },
  { name: 'URL userinfo and query', text: 'https://bob:unknown-userinfo-pw@evil.example/cb?sig=unknown-query-sig' },
  ...ECHO_ENCODINGS.map(({ name, encode }) => ({ name, text: [REDEPLOY_TOKEN, TOKEN, PASSWORD].map(encode).join(' ') }))
]

/** Every value that must be absent from every sink of every run, whatever was echoed: in any encoding, whole or in part. */
const FORBIDDEN = [TOKEN, REDEPLOY_TOKEN, PASSWORD, FETCHED, BASIC_PAIR, 'unknown-bearer-credential-9', 'unknown-userinfo-pw', 'unknown-query-sig']

class Capture implements OutputStream {
  text = ''
  write(text: string): boolean {
    this.text += text
    return true
  }
}

interface Stage {
  forge: FakeGitHub
  fleet: FakeFleet
  controlPlane: ControlPlane
  registry: SimulatedRegistry
  echo: EchoServer | null
}

/** A remote source made hostile: the flags that point the run at it, and the sink text that proves its words arrived. */
interface Source {
  readonly name: string
  arrange(stage: Stage, form: SecretForm): Promise<{ flags: string[]; arrived: RegExp }>
}

const echoBody = (form: SecretForm, extra: string): string => `echo: ${form.text} ${extra}`

/** The place in a control plane's error body where it used to be cut, before it was scrubbed. */
const OLD_BODY_CUT = 2000

const SOURCES: readonly Source[] = [
  {
    name: 'control plane (400 echoing the secrets behind a long query, the first one across where the body was cut)',
    async arrange(stage, form) {
      const head = '{"error":"rejected https://cp.example/roll?q='
      const echoed = JSON.stringify(echoBody(form, '')).slice(1, -1)
      // All of the first secret but its last character before the old cut; the scrubber shortens the query to `?…`.
      const filler = 'q'.repeat(OLD_BODY_CUT - head.length - ' '.length - (echoed.indexOf(' ', 'echo: '.length) - 1))
      stage.echo = await startEchoServer(() => ({ status: 400, body: `${head}${filler} ${echoed}"}` }))
      return { flags: ['--redeploy-url', `${stage.echo.url}/roll`], arrived: /echo: / }
    }
  },
  {
    name: 'control plane (401 echoing the Authorization it refused)',
    async arrange(stage, form) {
      stage.echo = await startEchoServer((req) => ({
        status: 401,
        body: JSON.stringify({ error: echoBody(form, `(refused ${req.headers.authorization})`) })
      }))
      return { flags: ['--redeploy-url', `${stage.echo.url}/roll`], arrived: /echo: / }
    }
  },
  {
    name: 'registry (Basic challenge, 401 echoing the Basic header)',
    async arrange(stage, form) {
      stage.echo = await startEchoServer((req) =>
        req.headers.authorization
          ? { status: 401, body: ociError('UNAUTHORIZED', echoBody(form, `(refused ${req.headers.authorization})`)) }
          : { status: 401, headers: { 'www-authenticate': 'Basic realm="fleet"' }, body: '' }
      )
      return { flags: ['--image', `${stage.echo.host}/acme/fleet`, '--target-tag', 'release'], arrived: /echo: / }
    }
  },
  {
    name: 'registry (Bearer token fetched during the run, echoed bare)',
    async arrange(stage, form) {
      stage.echo = await startEchoServer((req, host) => {
        if (req.url?.startsWith('/token')) return { status: 200, body: JSON.stringify({ token: FETCHED }) }
        if (req.headers.authorization) return { status: 403, body: ociError('DENIED', echoBody(form, `(token ${FETCHED})`)) }
        return {
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="fleet",scope="repository:acme/fleet:pull"` },
          body: ''
        }
      })
      return { flags: ['--image', `${stage.echo.host}/acme/fleet`, '--target-tag', 'release'], arrived: /echo: / }
    }
  },
  {
    name: 'tenant (buildinfo body)',
    async arrange(stage, form) {
      for (const name of TENANTS) stage.fleet.set(name, { body: JSON.stringify({ sha: `echo: ${form.text}` }) })
      return { flags: ['--settle-budget', '5'], arrived: /echo: / }
    }
  },
  {
    name: 'forge error body (401 echoing the token)',
    async arrange(stage, form) {
      stage.forge.failNext(/\/git\/ref\/heads\/main$/, { status: 401, body: { message: echoBody(form, `(refused token ${TOKEN})`) } })
      return { flags: [], arrived: /echo: / }
    }
  },
  {
    name: 'invalid input (a tenant URL with credentials)',
    async arrange(_stage, form) {
      const tenants = JSON.stringify([{ name: 'a', url: `https://bob:${encodeURIComponent(PASSWORD)}@bad host/echo:${form.text}?token=${TOKEN}` }])
      return { flags: ['--tenants', tenants], arrived: /is not a URL/ }
    }
  }
]

function ociError(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] })
}

let stage: Stage
let dir: string

beforeEach(async () => {
  forgetSecrets()
  const registry = new SimulatedRegistry('acme/fleet')
  registry.addImage('staging-7f25373', NEWER)
  await registry.start()
  stage = {
    forge: await startIncidentForge(new FakeGitHub({ token: TOKEN })),
    fleet: await startFakeFleet({ sha: OLDER }),
    controlPlane: await startControlPlane((body) => stage.fleet.setDefaultSha(body.sha)),
    registry,
    echo: null
  }
  dir = mkdtempSync(join(tmpdir(), 'ff-secrets-'))
})

afterEach(async () => {
  await Promise.all([stage.forge.close(), stage.fleet.close(), stage.controlPlane.close(), stage.registry.close(), stage.echo?.close()])
})

/** Every sink of one CLI run, by name: its log lines, --json, the record, report, summary, history file, commit statuses. */
async function deployAndCollectSinks(flags: string[]): Promise<Record<string, string>> {
  const historyFile = join(dir, 'history.jsonl')
  const stdout = new Capture()
  const stderr = new Capture()
  const io: CliIO = {
    stdout,
    stderr,
    env: { FLEET_FORWARD_TOKEN: TOKEN, FLEET_FORWARD_REDEPLOY_TOKEN: REDEPLOY_TOKEN, FLEET_FORWARD_REGISTRY_PASSWORD: PASSWORD },
    readTextFile: (path) => readFileSync(path, 'utf8'),
    clock: new VirtualClock(Date.UTC(2026, 0, 1)),
    signal: new AbortController().signal
  }
  const argv = [
    'deploy',
    '--json',
    '--repository',
    'acme/fleet',
    '--api-url',
    stage.forge.apiUrl,
    '--server-url',
    stage.forge.url,
    '--run-id',
    '42',
    '--sha',
    NEWER,
    '--branch',
    'main',
    '--tenants',
    TENANTS.map((name) => `${name} ${stage.fleet.url(name)}`).join('\n'),
    '--redeploy-url',
    `${stage.controlPlane.url}/roll`,
    '--image',
    stage.registry.image,
    '--registry-username',
    USER,
    '--settle-budget',
    '30',
    '--settle-interval',
    '5',
    '--history-file',
    historyFile,
    ...flags
  ]
  await runCli(argv, io)
  const sinks: Record<string, string> = {
    'log lines': stderr.text,
    'CLI --json': stdout.text,
    'commit statuses': JSON.stringify([...stage.forge.statuses(NEWER), ...stage.forge.statuses(OLDER)]),
    deployments: JSON.stringify(stage.forge.deployments)
  }
  if (stdout.text) {
    const record = JSON.parse(stdout.text) as RunRecord
    sinks['the record'] = JSON.stringify(record)
    sinks.report = reportOutput(record, historyFile)
    sinks['job summary'] = renderSummary(record)
  }
  if (existsSync(historyFile)) sinks['history file'] = readFileSync(historyFile, 'utf8')
  return sinks
}

describe.each(SOURCES)('$name', (source) => {
  it.each(FORMS)('echoing the $name form: no sink contains a secret', async (form) => {
    const { flags, arrived } = await source.arrange(stage, form)
    const sinks = await deployAndCollectSinks(flags)
    // The hostile words did reach the sinks (so their absence below is the scrubber's doing).
    expect(Object.values(sinks).some((text) => arrived.test(text))).toBe(true)
    expect(leaksOf(sinks, FORBIDDEN)).toEqual([])
  })
})
