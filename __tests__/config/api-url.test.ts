/**
 * The token goes only to its forge: with a server URL and no API URL the API URL is derived from the
 * server, and an API URL on another host than the server is an input error, before any request.
 */
import { readFileSync } from 'node:fs'
import type { CliIO } from '../../src/cli/deploy.js'
import { EXIT_USAGE } from '../../src/cli/exit-codes.js'
import { runCli } from '../../src/cli/main.js'
import { apiUrlOfServer } from '../../src/config/api-url.js'
import { parseSettings, type RuntimeEnv } from '../../src/config/parse.js'
import { InputError } from '../../src/util/errors.js'
import { startEchoServer, type EchoServer } from '../../test/support/echo-server.js'
import { FakeGitea } from '../../test/support/fake-gitea.js'
import { NEWER } from '../../test/support/memory-forge.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

describe('apiUrlOfServer', () => {
  it.each([
    ['github', 'https://github.com', 'https://api.github.com'],
    ['github', 'https://ghe.corp.example', 'https://ghe.corp.example/api/v3'],
    ['github', 'https://ghe.corp.example/', 'https://ghe.corp.example/api/v3'],
    ['github', 'https://acme.ghe.com', 'https://api.acme.ghe.com'],
    ['gitea', 'https://gitea.example.com', 'https://gitea.example.com/api/v1'],
    ['gitea', 'https://example.com/git', 'https://example.com/git/api/v1']
  ] as const)('%s at %s → %s', (kind, server, api) => {
    expect(apiUrlOfServer(kind, server)).toBe(api)
  })

  it('refuses to look for a Gitea API on github.com', () => {
    expect(() => apiUrlOfServer('gitea', 'https://github.com')).toThrow(InputError)
  })
})

describe('settings: the API URL', () => {
  const parse = (env: RuntimeEnv, forge = 'auto') => {
    const inputs: Record<string, string> = { token: 't0ken', forge, sha: NEWER, tenants: 'a http://127.0.0.1:9/' }
    return parseSettings(
      (name) => inputs[name] ?? '',
      { GITHUB_REPOSITORY: 'acme/fleet', ...env },
      () => ''
    )
  }

  it.each([
    [{ GITHUB_SERVER_URL: 'https://gitea.example.com' }, 'gitea', 'https://gitea.example.com/api/v1'],
    [{ GITHUB_SERVER_URL: 'https://gitea.example.com', GITEA_ACTIONS: 'true' }, 'auto', 'https://gitea.example.com/api/v1'],
    [{ GITHUB_SERVER_URL: 'https://ghe.corp.example' }, 'auto', 'https://ghe.corp.example/api/v3'],
    [{}, 'auto', 'https://api.github.com'],
    [{ GITHUB_SERVER_URL: 'https://github.com', GITHUB_API_URL: 'https://api.github.com' }, 'auto', 'https://api.github.com'],
    [{ GITHUB_SERVER_URL: 'https://acme.ghe.com', GITHUB_API_URL: 'https://api.acme.ghe.com' }, 'auto', 'https://api.acme.ghe.com'],
    [{ GITHUB_API_URL: 'http://127.0.0.1:3000/api/v1' }, 'auto', 'http://127.0.0.1:3000/api/v1']
  ])('%j with forge %s → %s', (env, forge, api) => {
    expect(parse(env, forge).run.apiUrl).toBe(api)
  })

  it.each([
    [{ GITHUB_SERVER_URL: 'https://gitea.example.com', GITHUB_API_URL: 'https://api.github.com' }, 'GITHUB_API_URL'],
    [{ GITHUB_SERVER_URL: 'https://ghe.corp.example', GITHUB_API_URL: 'https://collector.example/api/v3' }, 'GITHUB_API_URL'],
    [{ GITHUB_SERVER_URL: 'https://gitea.example.com', GITHUB_API_URL: 'http://gitea.example.com/api/v1' }, 'GITHUB_API_URL'],
    [{}, 'GITHUB_SERVER_URL']
  ])('a token that would go elsewhere is an input error: %j', (env, input) => {
    expect(() => parse(env, 'gitea')).toThrow(expect.objectContaining({ input }))
  })
})

describe('the CLI sends the token to the forge of --server-url', () => {
  let server: EchoServer | FakeGitea | null = null
  afterEach(() => server?.close())

  function cli(flags: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = ''
    const io: CliIO = {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: { FLEET_FORWARD_TOKEN: 'cli-token-1234' },
      readTextFile: (path) => readFileSync(path, 'utf8'),
      clock: new VirtualClock(Date.UTC(2026, 0, 1)),
      signal: new AbortController().signal
    }
    const argv = [
      'deploy',
      '--repository',
      'acme/fleet',
      '--sha',
      NEWER,
      '--branch',
      'main',
      '--tenants',
      'a http://127.0.0.1:9/',
      '--settle-budget',
      '0',
      ...flags
    ]
    return runCli(argv, io).then((code) => ({ code, stderr }))
  }

  it('--forge gitea --server-url <gitea>, no --api-url: Gitea at <server>/api/v1', async () => {
    const gitea = await startIncidentForge(new FakeGitea({ token: 'cli-token-1234' }))
    server = gitea
    await cli(['--forge', 'gitea', '--server-url', gitea.url])
    expect(gitea.requests.length).toBeGreaterThan(0)
    expect(gitea.requests.every((r) => r.path.startsWith('/api/v1/'))).toBe(true)
  })

  it('a GitHub Enterprise --server-url, no --api-url: <server>/api/v3', async () => {
    const ghe = await startEchoServer(() => ({ status: 404, body: '{"message":"Not Found"}' }))
    server = ghe
    await cli(['--server-url', ghe.url])
    expect(ghe.requests.length).toBeGreaterThan(0)
    expect(ghe.requests[0]).toMatchObject({
      path: expect.stringMatching(/^\/api\/v3\/repos\/acme\/fleet\//),
      authorization: expect.stringMatching(/ cli-token-1234$/)
    })
  })

  it('an --api-url on another host than --server-url is refused before any request', async () => {
    const elsewhere = await startEchoServer(() => ({ status: 200, body: '{}' }))
    server = elsewhere
    const run = await cli(['--forge', 'gitea', '--server-url', 'https://gitea.example.com', '--api-url', `${elsewhere.url}/api/v1`])
    expect(run.code).toBe(EXIT_USAGE)
    expect(run.stderr).toMatch(/--api-url: .* is not the API of the forge at https:\/\/gitea\.example\.com/)
    expect(elsewhere.requests).toHaveLength(0)
  })
})
