/**
 * The bundled action behind a forward proxy, as a runner with HTTP_PROXY / NO_PROXY set runs it: every
 * request to the forge, the control plane, the tenants and the registry goes through the proxy, except
 * to a host NO_PROXY lists, which is reached directly.
 */
import { FakeGitHub } from '../../test/support/fake-github.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startLoggingProxy, type LoggingProxy } from '../../test/support/logging-proxy.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'
import { startRegistry, type RunningRegistry } from '../../test/support/registry.js'
import { pushImage } from '../../test/support/registry-push.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'

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

function deploy(proxyEnv: Record<string, string>): Promise<DistRun> {
  return runDist({
    inputs: {
      token: TOKEN,
      branch: 'main',
      sha: NEWER,
      tenants: TENANTS.map((name) => `${name} ${fleet.url(name)}`).join('\n'),
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
  expect(paths(forge.apiUrl)).toContain('GET /repos/acme/fleet/git/ref/heads/main')
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
