/**
 * The bundled action behind a forward proxy, as a runner with HTTP_PROXY / NO_PROXY set runs it: every
 * request to the forge, the control plane, the tenants and the registry goes through the proxy, except
 * to a host NO_PROXY lists, which is reached directly. A proxy that fails (407, nothing listening) or a
 * proxy variable undici cannot use ends the run failed at once, on either forge, naming the proxy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startLoggingProxy, type LoggingProxy } from '../../test/support/logging-proxy.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { startRegistry, type RunningRegistry } from '../../test/support/registry.js'
import { pushImage } from '../../test/support/registry-push.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { createTestCa } from '../../test/support/test-ca.js'

const TOKEN = 'ghs_proxy_token'
const TENANTS = ['hongming', 'ana', 'bo']

let registry: RunningRegistry
let forge: FakeGitHub
let fleet: FakeFleet
let controlPlane: ControlPlane
let proxy: LoggingProxy

beforeAll(async () => {
  registry = await startRegistry()
  await pushImage(registry, { repository: 'acme/app', tag: 'latest', revision: OLDER })
  await pushImage(registry, { repository: 'acme/app', tag: 'staging-7f25373', revision: NEWER })
})
afterAll(async () => {
  await registry.stop()
})

beforeEach(async () => {
  forge = await startIncidentForge(new FakeGitHub({ token: TOKEN }))
  fleet = await startFakeFleet({ sha: OLDER })
  controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
  proxy = await startLoggingProxy()
})
afterEach(async () => {
  await Promise.all([forge.close(), fleet.close(), controlPlane.close(), proxy.close()])
})

const authority = (url: string): string => new URL(url).host

function deploy(proxyEnv: Record<string, string>, tenantUrl = (name: string) => fleet.url(name)): Promise<DistRun> {
  return runDist({
    inputs: {
      token: TOKEN,
      branch: 'main',
      sha: NEWER,
      tenants: TENANTS.map((name) => `${name} ${tenantUrl(name)}`).join('\n'),
      'redeploy-url': `${controlPlane.url}/roll`,
      image: `${registry.host}/acme/app`,
      'settle-budget': '20',
      'settle-interval': '1'
    },
    env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '11', GITHUB_API_URL: forge.apiUrl, GITHUB_SERVER_URL: forge.url, ...proxyEnv }
  })
}

it('deploys through HTTP_PROXY: the forge, the control plane, the tenants and the registry are all reached through it', async () => {
  const run = await deploy({ HTTP_PROXY: proxy.url })
  expect(run.outputs.result).toBe('deployed')
  expect(run.code).toBe(0)
  const paths = (url: string): (string | null)[] => proxy.to(authority(url)).map((entry) => `${entry.method} ${entry.path}`)
  // Octokit's `git.getRef` sends the ref with its slash escaped, as GitHub reads it.
  expect(paths(forge.apiUrl)).toContain('GET /repos/acme/fleet/git/ref/heads%2Fmain')
  expect(paths(controlPlane.url)).toEqual(['POST /roll'])
  expect(paths(fleet.origin)).toEqual(expect.arrayContaining(TENANTS.map((name) => `GET ${new URL(fleet.url(name)).pathname}`)))
  expect(paths(`http://${registry.host}`)).toContain('PUT /v2/acme/app/manifests/latest')
  // Nothing went around it: every tenant request the fleet served was one the proxy forwarded.
  expect(proxy.to(authority(fleet.origin))).toHaveLength(fleet.stats().requests)
})

it('reaches a host listed in no_proxy directly, and still sends the rest through http_proxy', async () => {
  const run = await deploy({ http_proxy: proxy.url, no_proxy: `example.invalid,${authority(fleet.origin)}` })
  expect(run.outputs.result).toBe('deployed')
  expect(fleet.stats().requests).toBeGreaterThanOrEqual(TENANTS.length)
  expect(proxy.to(authority(fleet.origin))).toEqual([])
  expect(proxy.to(authority(forge.apiUrl)).length).toBeGreaterThan(0)
  expect(proxy.to(authority(controlPlane.url))).toHaveLength(1)
})

it('reaches TLS tenants through HTTPS_PROXY through a CONNECT tunnel (TLS end to end, the test CA trusted by NODE_EXTRA_CA_CERTS)', async () => {
  const ca = createTestCa()
  const dir = mkdtempSync(join(tmpdir(), 'ff-proxy-ca-'))
  writeFileSync(join(dir, 'ca.pem'), ca.caPem)
  let requests = 0
  const secureFleet: Server = createServer({ key: ca.keyPem, cert: ca.leafFor('127.0.0.1') }, (_req, res) => {
    requests++
    // Each TLS tenant reports the commit of the last redeploy call, OLDER before any.
    const sha = controlPlane.calls.at(-1)?.body.sha ?? OLDER
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha }))
  })
  await new Promise<void>((resolve) => secureFleet.listen(0, '127.0.0.1', resolve))
  const origin = `https://127.0.0.1:${(secureFleet.address() as AddressInfo).port}`
  try {
    const run = await deploy({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, (name) => `${origin}/t/${name}/buildinfo`)
    expect(run.outputs.result).toBe('deployed')
    const tunnels = proxy.to(authority(origin))
    expect(tunnels.length).toBeGreaterThan(0)
    expect(tunnels.every((entry) => entry.method === 'CONNECT')).toBe(true)
    expect(requests).toBeGreaterThanOrEqual(2 * TENANTS.length)
    // HTTPS_PROXY alone leaves plain-HTTP hosts (forge, control plane) direct, as curl does.
    expect(proxy.to(authority(forge.apiUrl))).toEqual([])
  } finally {
    await new Promise((resolve) => secureFleet.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
})

/** A proxy that wants credentials: 407 to plain-HTTP requests and to CONNECT, and counts what it refused. */
async function startDemandingProxy(): Promise<{ url: string; refused: () => number; close: () => Promise<void> }> {
  let refused = 0
  const server = createHttpServer((_req, res) => {
    refused++
    res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end()
  })
  server.on('connect', (_req, socket: Socket) => {
    refused++
    socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** host:port nothing listens on. */
async function deadAuthority(): Promise<string> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `127.0.0.1:${port}`
}

/** What only a run that waited, retried or failed open would print. */
const WAITED = /retrying until lock-timeout|waiting for lock|continuing as owner|could not read the lock|verifying on|round \d+:/

describe.each(RUNNER_FORGES)('a proxy that fails, on a $kind runner', (spec) => {
  let failingForge: FakeForgeServer

  beforeEach(async () => {
    failingForge = await startIncidentForge(spec.start(spec.token))
  })
  afterEach(() => failingForge.close())

  // lock-timeout and settle-budget at 600 s: a run that waited either out would outlast the test.
  const run = (proxyEnv: Record<string, string>): Promise<DistRun> =>
    runDist({
      inputs: { token: spec.token, branch: 'main', sha: NEWER, tenants: `hongming ${fleet.url('hongming')}`, 'settle-budget': '600', 'lock-timeout': '600' },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '11', ...spec.env(failingForge), ...proxyEnv }
    })

  function failedAt(run: DistRun, errorClass: string): string {
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    const report = JSON.parse(run.outputs.report) as { error_class: string; message: string }
    expect(report.error_class).toBe(errorClass)
    expect(run.stdout).toContain(`::error::`)
    expect(run.stdout).not.toMatch(WAITED)
    // Nothing reached the forge or the fleet, nothing was written.
    expect(failingForge.requests).toEqual([])
    expect(fleet.stats().requests).toBe(0)
    return report.message
  }

  it('a proxy that answers 407 fails the run at once with class proxy, naming the proxy and the fix', async () => {
    const demanding = await startDemandingProxy()
    try {
      const message = failedAt(await run({ HTTP_PROXY: demanding.url }), 'proxy')
      expect(message).toContain(
        `proxy ${authority(demanding.url)} answered 407: the proxy asks for credentials: put its user and password in the proxy variable's URL, before the host (user:password@)`
      )
      expect(message).toMatch(/^GET \/repos\/acme\/fleet\/\S+ failed: proxy \(/)
      // Asked once: a 407 is not retried.
      expect(demanding.refused()).toBe(1)
    } finally {
      await demanding.close()
    }
  })

  it('a proxy with nothing listening fails the run at once with class proxy, naming it without its credentials', async () => {
    const dead = await deadAuthority()
    const refused = await run({ HTTP_PROXY: `http://deploy:pr0xy-secret@${dead}` })
    const message = failedAt(refused, 'proxy')
    expect(message).toContain(`proxy ${dead} could not be connected to (ECONNREFUSED): check that it runs there and that HTTPS_PROXY / HTTP_PROXY name it`)
    // Registered as a secret (the runner masks it), and never in a line of the run.
    expect(refused.stdout).toContain('::add-mask::pr0xy-secret')
    const lines = `${refused.stdout}${refused.stderr}${refused.summary}`.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    expect(lines.join('\n')).not.toContain('pr0xy-secret')
  })

  it('an unparseable HTTPS_PROXY is an input error naming it, before anything is contacted', async () => {
    const message = failedAt(await run({ HTTPS_PROXY: 'http://[bad' }), 'input')
    expect(message).toBe("input 'HTTPS_PROXY': is not a URL: 'http://[bad'; write the proxy as http://host:port")
  })
})
