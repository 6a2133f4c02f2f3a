/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8.2) on 127.0.0.1, port 0, with a
 * temporary storage folder, anonymous, with htpasswd basic auth, or with token auth backed by a small
 * token service here that signs JWTs the registry verifies against a throwaway certificate.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { Agent, request, type Dispatcher } from 'undici'
import type { Logger } from '../../src/types.js'
import type { Clock } from '../../src/util/clock.js'

const run = promisify(execFile)

export type RegistryAuthMode = 'anonymous' | 'basic' | 'token'

export interface TestUser {
  username: string
  password: string
}

export interface TokenRequest {
  /** The user the token service authenticated, or null for an anonymous request. */
  user: string | null
  scopes: string[]
  status: number
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly auth: RegistryAuthMode
  /** Connections of the test helpers (pushes, reads); closed by stop(). */
  readonly agent: Agent
  /** Requests the token service answered (token mode only). */
  readonly tokenRequests: TokenRequest[]
  /** Authorization with pull and push rights on `repository`, for the push helpers; undefined when anonymous. */
  pushAuthorization(repository: string): string | undefined
  /** Everything the registry wrote to its log so far. */
  logs(): string
  stop(): Promise<void>
}

export interface StartRegistryOptions {
  auth?: RegistryAuthMode
  /** Accounts for basic and token auth; the first one is used by the push helpers. */
  users?: TestUser[]
}

const SERVICE = 'fleet-forward-test'
const ISSUER = 'fleet-forward-test-issuer'
const START_TIMEOUT_MS = 20_000

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const binary = await findRegistryBinary()
  const auth = options.auth ?? 'anonymous'
  const users = options.users ?? [{ username: 'deployer', password: 'correct-horse-battery' }]
  const dir = await mkdtemp(join(tmpdir(), 'fleet-forward-registry-'))
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })]
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined)
  }
  try {
    let authYaml = ''
    let pushAuthorization: (repository: string) => string | undefined = () => undefined
    let tokenRequests: TokenRequest[] = []
    if (auth === 'basic') {
      await writeFile(join(dir, 'htpasswd'), await htpasswdFile(users))
      authYaml = `auth:\n  htpasswd:\n    realm: ${SERVICE}\n    path: ${join(dir, 'htpasswd')}\n`
      const admin = users[0]
      pushAuthorization = () => `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`
    } else if (auth === 'token') {
      const tokens = await startTokenService(dir, users)
      cleanups.push(tokens.close)
      tokenRequests = tokens.requests
      authYaml =
        `auth:\n  token:\n    realm: ${tokens.realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n` + `    rootcertbundle: ${join(dir, 'token-cert.pem')}\n`
      pushAuthorization = (repository) => `Bearer ${tokens.mint(users[0].username, [`repository:${repository}:pull,push`])}`
    }
    const config =
      `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n` +
      `  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n  secret: ${randomUUID()}\n${authYaml}`
    await writeFile(join(dir, 'config.yml'), config)

    // A clean environment: REGISTRY_* variables would override the generated configuration.
    const child = spawn(binary, ['serve', join(dir, 'config.yml')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    cleanups.push(() => stopProcess(child))
    let log = ''
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    const port = await listeningPort(child, () => log)
    const host = `127.0.0.1:${port}`
    const agent = new Agent()
    cleanups.push(() => agent.close())
    const probe = await request(`http://${host}/v2/`, { dispatcher: agent })
    await probe.body.dump()
    if (probe.statusCode !== 200 && probe.statusCode !== 401) {
      throw new Error(`docker-registry on ${host} answered /v2/ with HTTP ${probe.statusCode}\n${log}`)
    }
    return {
      host,
      auth,
      agent,
      tokenRequests,
      pushAuthorization,
      logs: () => log,
      stop: cleanup
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** Fails loudly, never skips: these tests exist to run against the real registry. */
async function findRegistryBinary(): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat('/usr/bin')
  for (const dir of dirs) {
    const candidate = join(dir, 'docker-registry')
    try {
      await access(candidate)
      return candidate
    } catch {
      // try the next folder
    }
  }
  throw new Error(
    'docker-registry is not installed: the registry tests run against the real registry. ' +
      'Install it with `apt-get install -y docker-registry` (Debian/Ubuntu).'
  )
}

async function htpasswdFile(users: TestUser[]): Promise<string> {
  const lines: string[] = []
  for (const user of users) {
    try {
      const { stdout } = await run('htpasswd', ['-Bbn', user.username, user.password])
      lines.push(stdout.trim())
    } catch (error) {
      throw new Error(
        `htpasswd failed (${(error as Error).message}); the basic-auth registry needs bcrypt entries. ` + 'Install it with `apt-get install -y apache2-utils`.',
        { cause: error }
      )
    }
  }
  return `${lines.join('\n')}\n`
}

function listeningPort(child: ChildProcess, log: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`docker-registry did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    const onData = (): void => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log())
      if (match) done(() => resolve(Number(match[1])))
    }
    const onExit = (code: number | null): void => fail(new Error(`docker-registry exited with code ${code}`))
    const fail = (error: Error): void => done(() => reject(new Error(`${error.message}\n${log()}`)))
    const done = (settle: () => void): void => {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      settle()
    }
    // Registered after the collectors, so log() already holds the chunk.
    child.stderr?.on('data', onData)
    child.stdout?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', fail)
  })
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

interface TokenService {
  realm: string
  requests: TokenRequest[]
  mint(subject: string, scopes: string[]): string
  close(): Promise<void>
}

/**
 * The token realm of `auth: token`: authenticates Basic credentials and signs an ES256 JWT granting the
 * requested scopes (anonymous requests get no access). The registry trusts the certificate written to
 * `token-cert.pem`; the JWT carries it in `x5c`.
 */
async function startTokenService(dir: string, users: TestUser[]): Promise<TokenService> {
  const keyPath = join(dir, 'token-key.pem')
  const certPath = join(dir, 'token-cert.pem')
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=fleet-forward-test-token-issuer'
    ])
  } catch (error) {
    throw new Error(`openssl failed (${(error as Error).message}); the token-auth registry needs it: apt-get install -y openssl`, { cause: error })
  }
  const key = createPrivateKey(await readFile(keyPath))
  const certDer = (await readFile(certPath, 'utf8')).replace(/-----[^-]+-----|\s/g, '')
  const requests: TokenRequest[] = []
  const mint = (subject: string, scopes: string[]): string => signJwt(key, certDer, subject, scopes)

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token.test')
    const scopes = url.searchParams.getAll('scope')
    const user = authenticate(req.headers.authorization, users)
    const answer = (status: number, body: unknown): void => {
      requests.push({ user: user === undefined ? null : user, scopes, status })
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (url.pathname !== '/token' || url.searchParams.get('service') !== SERVICE) return answer(404, {})
    if (user === null) return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] })
    const token = mint(user ?? '', user === undefined ? [] : scopes)
    answer(200, { token, access_token: token, expires_in: 300 })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    mint,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** undefined: anonymous; null: credentials given but wrong; else the user name. */
function authenticate(header: string | undefined, users: TestUser[]): string | null | undefined {
  if (!header) return undefined
  const [scheme, value] = header.split(' ')
  if (scheme !== 'Basic' || !value) return null
  const decoded = Buffer.from(value, 'base64').toString()
  const match = users.find((u) => decoded === `${u.username}:${u.password}`)
  return match ? match.username : null
}

function signJwt(key: KeyObject, certDer: string, subject: string, scopes: string[]): string {
  const now = Math.floor(Date.now() / 1000)
  const access = scopes.map((scope) => {
    const [type, ...rest] = scope.split(':')
    const actions = rest.pop() ?? ''
    return { type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) }
  })
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const header = encode({ typ: 'JWT', alg: 'ES256', x5c: [certDer] })
  const claims = encode({ iss: ISSUER, sub: subject, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access })
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')
  return `${header}.${claims}.${signature}`
}

export interface RecordedRequest {
  method: string
  origin: string
  path: string
  /** Whether the request carried an Authorization header (its value is never recorded). */
  authorized: boolean
}

/** An undici dispatcher that records every request and can hold one back while a hook runs. */
export interface RecordingDispatcher {
  readonly dispatcher: Dispatcher
  readonly requests: RecordedRequest[]
  /** Runs before a request is sent, which waits for it: how a test plays another writer at that moment. */
  before: ((request: RecordedRequest) => Promise<void> | void) | null
  /** Errors thrown by `before`; the request still goes out, and tests assert this stays empty. */
  readonly hookErrors: unknown[]
  close(): Promise<void>
}

export function recordingDispatcher(): RecordingDispatcher {
  const agent = new Agent()
  const recorder: RecordingDispatcher = {
    dispatcher: agent.compose((dispatch) => (opts, handler) => {
      const recorded = { method: opts.method, origin: String(opts.origin ?? ''), path: opts.path, authorized: hasAuthorization(opts.headers) }
      recorder.requests.push(recorded)
      const pending = recorder.before?.(recorded)
      if (!pending) return dispatch(opts, handler)
      // A dispatch that throws after the hook is reported like a failed hook, not left as an unhandled rejection.
      pending
        .catch((error: unknown) => recorder.hookErrors.push(error))
        .then(() => dispatch(opts, handler))
        .catch((error: unknown) => recorder.hookErrors.push(error))
      return true
    }),
    requests: [],
    before: null,
    hookErrors: [],
    close: () => agent.close()
  }
  return recorder
}

function hasAuthorization(headers: Dispatcher.DispatchOptions['headers']): boolean {
  if (!headers) return false
  const names = Array.isArray(headers)
    ? headers.filter((_, i) => i % 2 === 0).map(String)
    : Symbol.iterator in Object(headers)
      ? [...(headers as Iterable<[string, unknown]>)].map(([name]) => name)
      : Object.keys(headers)
  return names.some((name) => name.toLowerCase() === 'authorization')
}

/** A Clock whose sleeps return at once and advance its time, recording each wait. */
export function steppingClock(start = Date.UTC(2026, 10, 1)): Clock & { sleeps: number[] } {
  let now = start
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    }
  }
}

/** A Logger that keeps every line, so tests can read what a run said (and that it leaked nothing). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => void lines.push(`info: ${m}`),
    warning: (m) => void lines.push(`warning: ${m}`),
    error: (m) => void lines.push(`error: ${m}`),
    group: (_title, body) => body()
  }
}
