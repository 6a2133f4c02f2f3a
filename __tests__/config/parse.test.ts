import { parseSettings, type RuntimeEnv } from '../../src/config/parse.js'
import { InputError, InputErrors } from '../../src/util/errors.js'
import { scrubSecrets } from '../../src/util/scrub.js'

const SHA = '7f25373' + 'a'.repeat(33)
const ENV: RuntimeEnv = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_SHA: SHA, GITHUB_RUN_ID: '42' }

function parse(inputs: Record<string, string>, env: RuntimeEnv = ENV, files: Record<string, string> = {}) {
  const all = { token: 't0ken', tenants: 'hongming http://127.0.0.1:9/', ...inputs }
  return parseSettings(
    (name) => all[name as keyof typeof all] ?? '',
    env,
    (path) => {
      if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
      return files[path]
    }
  )
}

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('parseSettings', () => {
  it('applies the README defaults and derives the tag and expected commit from sha', () => {
    const s = parse({})
    expect(s).toMatchObject({
      forge: 'auto',
      environment: 'production',
      environmentUrl: null,
      branch: null,
      sha: SHA,
      targetTag: 'staging-7f25373',
      expectedSha: SHA,
      shaFields: ['sha', 'git_sha', 'commit', 'revision'],
      settleBudgetSeconds: 240,
      settleIntervalSeconds: 20,
      redeploy: { kind: 'none' },
      promotion: null,
      allowRollback: false,
      lock: true,
      lockTimeoutSeconds: 600,
      dryRun: false
    })
    expect(s.run.runUrl).toBe('https://github.com/acme/fleet/actions/runs/42')
  })

  it('links the run to the given run URL, else to the forge run page only inside Actions, else to nothing', () => {
    const given = 'https://jenkins.example/job/fleet/42/'
    expect(parse({}, { ...ENV, FLEET_FORWARD_RUN_URL: given }).run.runUrl).toBe(given)
    expect(parse({}, { ...ENV, GITHUB_SERVER_URL: 'https://gitea.example' }).run.runUrl).toBe('https://gitea.example/acme/fleet/actions/runs/42')
    // Another CI's run id under the forge's URL would be a page that does not exist; no run id, no run page.
    expect(parse({}, { ...ENV, GITHUB_ACTIONS: undefined, GITHUB_SERVER_URL: 'https://jenkins.example' }).run.runUrl).toBe('')
    expect(parse({}, { ...ENV, GITHUB_RUN_ID: undefined }).run.runUrl).toBe('')
    expect(parse({}, { ...ENV, GITHUB_ACTIONS: undefined, FLEET_FORWARD_RUN_URL: given }).run.runUrl).toBe(given)
  })

  it.each([
    ['ftp://ci.example/run/1', 'must be an http or https URL'],
    ['not a url', 'is not a URL'],
    ['https://user:pw@ci.example/run/1', 'must not carry credentials']
  ])('rejects the run URL %s, naming it', (url, problem) => {
    const error = inputErrorOf(() => parse({}, { ...ENV, FLEET_FORWARD_RUN_URL: url }))
    expect(error.input).toBe('FLEET_FORWARD_RUN_URL')
    expect(error.message).toContain(problem)
  })

  it('reports every independent invalid input at once, each named, in input order', () => {
    const error = inputErrorOf(() =>
      parse({ token: '', forge: 'gitlab', 'settle-budget': '-1', environment: 'prod env' }, { ...ENV, FLEET_FORWARD_RUN_URL: 'ftp://ci/1' })
    )
    expect(error).toBeInstanceOf(InputErrors)
    expect((error as InputErrors).errors.map((each) => each.input)).toEqual(['token', 'forge', 'settle-budget', 'environment', 'FLEET_FORWARD_RUN_URL'])
    expect(error.message).toMatch(
      /^5 inputs are invalid: input 'token': is empty[^;]*; input 'forge': must be auto, github or gitea, got 'gitlab'; input 'settle-budget': /
    )
    expect(error.errorClass).toBe('input')
  })

  it('does not repeat an error through the inputs derived from it', () => {
    // The tag and the expected commit derive from sha: a bad sha is the one error, not three.
    const error = inputErrorOf(() => parse({ sha: 'xyz' }))
    expect(error).not.toBeInstanceOf(InputErrors)
    expect(error.input).toBe('sha')
    // A bad buildinfo-path leaves the tenants (and their waves and max-failures) unchecked.
    expect(inputErrorOf(() => parse({ 'buildinfo-path': 'v', tenants: 'not a tenant line', 'max-failures': '9' })).input).toBe('buildinfo-path')
  })

  it('takes an http or https environment-url for the deployment', () => {
    expect(parse({ 'environment-url': 'https://fleet.example.com/status' }).environmentUrl).toBe('https://fleet.example.com/status')
  })

  it('appends buildinfo-path to base URLs only', () => {
    const s = parse({ tenants: 'a http://127.0.0.1:8080\nb http://127.0.0.1:8080/health/version', 'buildinfo-path': '/v' })
    expect(s.tenants.map((t) => t.url)).toEqual(['http://127.0.0.1:8080/v', 'http://127.0.0.1:8080/health/version'])
  })

  it('reads a JSON tenants file', () => {
    const s = parse({ tenants: '', 'tenants-file': 'fleet.json' }, ENV, {
      'fleet.json': JSON.stringify([{ name: 'hongming', url: 'https://h.example/' }])
    })
    expect(s.tenants).toEqual([{ name: 'hongming', url: 'https://h.example/buildinfo' }])
  })

  it('is frozen all the way down', () => {
    const s = parse({})
    expect(Object.isFrozen(s)).toBe(true)
    expect(Object.isFrozen(s.tenants[0])).toBe(true)
    expect(Object.isFrozen(s.run)).toBe(true)
  })

  it('marks a {tenant} redeploy URL as one call per tenant', () => {
    expect(parse({ 'redeploy-url': 'https://cp.example/roll/{tenant}', 'redeploy-token': 's' }).redeploy).toEqual({
      kind: 'webhook',
      url: 'https://cp.example/roll/{tenant}',
      token: 's',
      perTenant: true
    })
  })

  it.each([
    [{ sha: 'xyz' }, 'sha'],
    [{ sha: '7a7251' }, 'sha'],
    [{ 'target-tag': '-bad' }, 'target-tag'],
    [{ 'target-tag': 'staging-latest' }, 'expected-sha'],
    [{ 'expected-sha': 'nothex!' }, 'expected-sha'],
    [{ tenants: 'a ftp://x/' }, 'tenants'],
    [{ tenants: 'a http://x/\na http://y/' }, 'tenants'],
    [{ tenants: 'a' }, 'tenants'],
    [{ tenants: '[{"name":"a"}]' }, 'tenants'],
    [{ tenants: '' }, 'tenants'],
    [{ tenants: 'a http://x/', 'tenants-file': 'f' }, 'tenants-file'],
    [{ tenants: '', 'tenants-file': 'missing.txt' }, 'tenants-file'],
    [{ 'settle-budget': 'soon' }, 'settle-budget'],
    [{ 'settle-budget': '-1' }, 'settle-budget'],
    [{ 'settle-budget': 'Infinity' }, 'settle-budget'],
    [{ 'settle-interval': '0' }, 'settle-interval'],
    [{ 'buildinfo-path': 'buildinfo' }, 'buildinfo-path'],
    [{ 'redeploy-url': 'file:///etc/passwd' }, 'redeploy-url'],
    [{ 'redeploy-url': 'https://x/', 'redeploy-command': 'true' }, 'redeploy-command'],
    [{ 'redeploy-token': 'x' }, 'redeploy-token'],
    [{ 'dry-run': 'yes please' }, 'dry-run'],
    [{ environment: 'prod env' }, 'environment'],
    [{ forge: 'gitlab' }, 'forge'],
    [{ 'environment-url': 'javascript:alert(1)' }, 'environment-url'],
    [{ 'environment-url': 'fleet.example.com' }, 'environment-url'],
    [{ 'environment-url': 'https://user:pw@fleet.example.com/' }, 'environment-url'],
    [{ token: '' }, 'token'],
    [{ image: 'Registry/UPPER' }, 'image'],
    [{ image: 'ghcr.io/acme/app:1.0' }, 'image'],
    [{ image: 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64) }, 'image'],
    [{ image: 'registry.example.com:99999/app' }, 'image'],
    [{ image: 'ghcr.io/acme/app', 'registry-username': 'u' }, 'registry-password'],
    [{ 'promote-tag': 'a b', image: 'ghcr.io/acme/app' }, 'promote-tag'],
    [{ 'sha-field': 'a b$' }, 'sha-field']
  ])('rejects %j naming the input %s', (inputs, input) => {
    const error = inputErrorOf(() => parse(inputs))
    expect(error.input).toBe(input)
    expect(error.message).toContain(`'${input}'`)
  })

  it('names GITHUB_REPOSITORY when the runner context is missing', () => {
    expect(inputErrorOf(() => parse({}, { GITHUB_SHA: SHA })).input).toBe('GITHUB_REPOSITORY')
  })

  it('takes expected-sha from the image when the tag is not derived from sha', () => {
    const s = parse({ 'target-tag': 'staging-latest', image: 'ghcr.io/acme/app' })
    expect(s.expectedSha).toBeNull()
    expect(s.promotion).toEqual({ image: 'ghcr.io/acme/app', promoteTag: 'latest', username: null, password: null })
  })

  it('never echoes a secret input in an error', () => {
    const error = inputErrorOf(() => parse({ 'registry-password': 'hunter2-secret', image: 'ghcr.io/acme/app' }))
    expect(error.message).not.toContain('hunter2-secret')
  })
})

/** Parsing with the runner's proxy variables set (and other inputs, when given), deferred for inputErrorOf. */
function proxied(proxyEnv: RuntimeEnv, inputs: Record<string, string> = {}) {
  return () => parse(inputs, { ...ENV, ...proxyEnv })
}

describe('proxy variables, checked with the inputs', () => {
  it.each([
    ['HTTPS_PROXY', 'http://[bad', "input 'HTTPS_PROXY': is not a URL: 'http://[bad'; write the proxy as http://host:port"],
    ['http_proxy', 'proxy.corp:3128', "input 'http_proxy': must be an http, https or socks5 URL (http://host:port), got 'proxy.corp:'"],
    ['HTTP_PROXY', 'ftp://proxy.corp:21', "input 'HTTP_PROXY': must be an http, https or socks5 URL (http://host:port), got 'ftp:'"],
    [
      'NO_PROXY',
      'localhost,https://gitea.corp',
      "input 'NO_PROXY': entry 'https://gitea.corp' is not a host name: list hosts as example.com, .example.com or host:port"
    ]
  ])('%s=%s is an input error naming the variable', (variable, value, message) => {
    expect(inputErrorOf(proxied({ [variable]: value })).message).toBe(message)
  })

  it('a bad proxy URL never echoes its credentials', () => {
    const message = inputErrorOf(proxied({ HTTPS_PROXY: 'http://deploy:hunter2-proxy@[bad' })).message
    expect(message).not.toContain('hunter2-proxy')
    expect(message).not.toContain('deploy')
  })

  it('is reported together with the other invalid inputs', () => {
    const error = inputErrorOf(proxied({ HTTPS_PROXY: 'http://[bad' }, { 'settle-budget': 'soon' }))
    expect(error).toBeInstanceOf(InputErrors)
    expect((error as InputErrors).errors.map((e) => e.input)).toEqual(['settle-budget', 'HTTPS_PROXY'])
  })

  it('checks the variable undici uses: the lower-case one when it is set', () => {
    expect(proxied({ https_proxy: 'http://proxy.corp:3128', HTTPS_PROXY: 'http://[shadowed' })).not.toThrow()
    expect(inputErrorOf(proxied({ https_proxy: 'http://[bad', HTTPS_PROXY: 'http://proxy.corp:3128' })).input).toBe('https_proxy')
  })

  it('accepts http, https and socks5 proxies, host-name NO_PROXY lists, and leaves address ranges alone', () => {
    expect(
      proxied({
        HTTPS_PROXY: 'https://proxy.corp:3129',
        HTTP_PROXY: 'http://proxy.corp:3128',
        http_proxy: 'socks5://127.0.0.1:1080',
        NO_PROXY: 'localhost, .corp,*.example.com gitea.corp:3000 10.0.0.0/8 *'
      })
    ).not.toThrow()
  })

  it("registers a proxy's password as a secret before anything could log it", () => {
    proxied({ HTTPS_PROXY: 'http://deploy:pr0xy-pa55word@proxy.corp:3128' })()
    expect(scrubSecrets('echoed pr0xy-pa55word')).not.toContain('pr0xy-pa55word')
  })
})
