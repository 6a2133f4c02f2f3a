import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { RegistryClient, type Manifest } from '../../src/registry/client.js'
import { RegistryError } from '../../src/registry/errors.js'
import { parseImageRef } from '../../src/registry/image-ref.js'
import { OCI_MANIFEST } from '../../src/registry/media-types.js'
import { FleetError } from '../../src/util/errors.js'
import { steppingClock } from '../../test/support/registry.js'

/** A scripted registry: each request takes the next reply; what was asked is kept. */
interface Fake {
  host: string
  seen: { method: string; url: string; authorization: string | undefined }[]
  replies: ((req: IncomingMessage, res: ServerResponse) => void)[]
  close(): Promise<void>
}

async function fakeServer(): Promise<Fake> {
  const fake: Fake = { host: '', seen: [], replies: [], close: async () => undefined }
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      fake.seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization })
      const reply = fake.replies.shift()
      if (reply) reply(req, res)
      else res.writeHead(500).end('no scripted reply')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.host = `127.0.0.1:${(server.address() as { port: number }).port}`
  fake.close = () => new Promise((resolve) => server.close(() => resolve()))
  return fake
}

const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }))
const manifestDigest = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`
const manifest: Manifest = { digest: manifestDigest, mediaType: OCI_MANIFEST, bytes: manifestBytes, document: {} }

const okManifest = (req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': manifestDigest }).end(req.method === 'HEAD' ? undefined : manifestBytes)
}
const ociError =
  (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ errors: [{ code, message }] }))
  }

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise
  } catch (error) {
    return error as RegistryError
  }
  throw new Error('expected a rejection')
}

describe('RegistryClient faults (scripted registry)', () => {
  let fake: Fake
  let clock: ReturnType<typeof steppingClock>
  const client = (credentials?: { username: string; password: string }, rateLimitBudgetMs?: number) =>
    new RegistryClient(parseImageRef(`${fake.host}/team/app`), { clock, credentials, rateLimitBudgetMs })
  beforeEach(async () => {
    fake = await fakeServer()
    clock = steppingClock()
  })
  afterEach(async () => fake.close())

  it('waits the Retry-After seconds of a TOOMANYREQUESTS on the injected clock, then reads', async () => {
    fake.replies.push(ociError(429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '3' }), okManifest)
    expect((await client().getManifest('latest')).digest).toBe(manifestDigest)
    expect(clock.sleeps).toEqual([3000])
  })

  it('reads Retry-After as an HTTP date relative to the clock', async () => {
    const at = new Date(clock.now() + 7000).toUTCString()
    fake.replies.push(ociError(429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': at }), okManifest)
    await client().getManifest('latest')
    expect(clock.sleeps).toEqual([7000])
  })

  it('gives up with rate_limited when Retry-After exceeds the wait budget, without waiting', async () => {
    fake.replies.push(ociError(429, 'TOOMANYREQUESTS', 'pull rate limit', { 'retry-after': '3600' }))
    const error = await caught(client(undefined, 60_000).getManifest('latest'))
    expect(error.errorClass).toBe('rate_limited')
    expect(error.code).toBe('TOOMANYREQUESTS')
    expect(error.message).toContain(`${fake.host}/team/app:latest`)
    expect(error.message).toContain('asked to wait 3600s')
    expect(clock.sleeps).toEqual([])
  })

  it('retries a read after 5xx with backoff on the clock', async () => {
    fake.replies.push(ociError(503, 'UNAVAILABLE', 'busy'), ociError(502, 'UNAVAILABLE', 'busy'), okManifest)
    expect((await client().getManifest('latest')).digest).toBe(manifestDigest)
    expect(clock.sleeps).toEqual([1000, 2000])
  })

  it('classifies a read that keeps failing with 5xx as http_5xx', async () => {
    fake.replies.push(...[1, 2, 3].map(() => ociError(503, 'UNAVAILABLE', 'busy')))
    const error = await caught(client().getManifest('latest'))
    expect(error.errorClass).toBe('http_5xx')
    expect(error.message).toContain('answered HTTP 503')
    expect(fake.seen).toHaveLength(3)
  })

  it('never retries a write after 5xx', async () => {
    fake.replies.push(ociError(500, 'UNKNOWN', 'storage failed'))
    const error = await caught(client().putManifest('latest', manifest))
    expect(error.errorClass).toBe('http_5xx')
    expect(fake.seen.map((r) => r.method)).toEqual(['PUT'])
  })

  it('explains DENIED on a write as a missing push permission', async () => {
    fake.replies.push(ociError(403, 'DENIED', 'requested access to the resource is denied'))
    const error = await caught(client().putManifest('latest', manifest))
    expect(error.code).toBe('DENIED')
    expect(error.errorClass).toBe('registry')
    expect(error.message).toContain('write (push)')
    expect(error.message).toContain(`${fake.host}/team/app:latest`)
  })

  it('reports NAME_UNKNOWN for an unknown repository', async () => {
    fake.replies.push(ociError(404, 'NAME_UNKNOWN', 'repository name not known to registry'))
    const error = await caught(client().getManifest('latest'))
    expect(error.code).toBe('NAME_UNKNOWN')
    expect(error.message).toContain('repository unknown to registry')
  })

  it('neutralizes workflow commands and scrubs the password from remote messages', async () => {
    const password = 'hunter2-registry-pass'
    fake.replies.push(
      (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end(),
      ociError(400, 'MANIFEST_INVALID', `bad\n::set-output name=x::${password}\r##[error]boom`)
    )
    const error = await caught(client({ username: 'u', password }).getManifest('latest'))
    expect(error.code).toBe('MANIFEST_INVALID')
    expect(error.message).not.toContain(password)
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(error.message).not.toContain('::set-output')
    expect(error.message).not.toContain('##[error]')
  })

  it('rejects a manifest whose bytes do not match the announced digest', async () => {
    fake.replies.push((_req, res) =>
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end(manifestBytes)
    )
    const error = await caught(client().getManifest('latest'))
    expect(error.errorClass).toBe('bad_payload')
  })

  it('rejects a write the registry stored under another digest', async () => {
    fake.replies.push((_req, res) => res.writeHead(201, { 'docker-content-digest': `sha256:${'1'.repeat(64)}` }).end())
    const error = await caught(client().putManifest('latest', manifest))
    expect(error.errorClass).toBe('bad_payload')
  })

  it('refuses a schema 1 manifest rather than copying something it cannot read', async () => {
    fake.replies.push((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end('{"schemaVersion":1}')
    )
    const error = await caught(client().getManifest('latest'))
    expect(error.errorClass).toBe('registry')
    expect(error.message).toContain('unsupported manifest type')
  })

  it('stops reading a manifest larger than 4 MiB (too_large)', async () => {
    fake.replies.push((_req, res) => res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(Buffer.alloc(5 * 1024 * 1024, 32)))
    const error = await caught(client().getManifest('latest'))
    expect(error).toBeInstanceOf(FleetError)
    expect(error.errorClass).toBe('too_large')
  })

  it('gets a Bearer token (access_token) from the realm with Basic credentials, service and scope', async () => {
    fake.replies.push(
      (_req, res) =>
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${fake.host}/token",service="fake.test",scope="repository:team/app:pull"`
          })
          .end(),
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"tok-123"}'),
      okManifest
    )
    await client({ username: 'u', password: 'p' }).getManifest('latest')
    const realm = new URL(fake.seen[1].url, 'http://x')
    expect(realm.pathname).toBe('/token')
    expect(realm.searchParams.get('service')).toBe('fake.test')
    expect(realm.searchParams.getAll('scope')).toEqual(['repository:team/app:pull'])
    expect(fake.seen[1].authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
    expect(fake.seen[2].authorization).toBe('Bearer tok-123')
  })

  it('refuses to send credentials to a token realm over plain HTTP off loopback', async () => {
    fake.replies.push((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.invalid/token",service="s"' }).end())
    const error = await caught(client({ username: 'u', password: 'p' }).getManifest('latest'))
    expect(error.message).toContain('plain HTTP')
    expect(fake.seen).toHaveLength(1)
  })

  it('follows a blob redirect to storage without carrying the Authorization to the other origin', async () => {
    const storage = await fakeServer()
    try {
      const blob = Buffer.from('{"config":{}}')
      const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`
      fake.replies.push(
        (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end(),
        (_req, res) => res.writeHead(307, { location: `http://${storage.host}/blob-store/abc?sig=1` }).end()
      )
      storage.replies.push((_req, res) => res.writeHead(200).end(blob))
      expect((await client({ username: 'u', password: 'p' }).getBlob(digest, 1024)).equals(blob)).toBe(true)
      expect(fake.seen[1].authorization).toMatch(/^Basic /)
      expect(storage.seen).toEqual([{ method: 'GET', url: '/blob-store/abc?sig=1', authorization: undefined }])
    } finally {
      await storage.close()
    }
  })

  it.each([
    ['more redirects than it follows', (storage: string) => Array.from({ length: 4 }, (_, i) => `http://${storage}/hop/${i}`)],
    ['a redirect to a location that is not http(s)', () => ['ftp://storage.example.invalid/blob']]
  ])('classifies %s as redirect', async (_label, locations) => {
    const storage = await fakeServer()
    try {
      const [first, ...rest] = locations(storage.host)
      fake.replies.push((_req, res) => res.writeHead(307, { location: first }).end())
      for (const location of rest) storage.replies.push((_req, res) => res.writeHead(302, { location }).end())
      const error = await caught(client().getBlob(`sha256:${'a'.repeat(64)}`, 1024))
      expect(error).toBeInstanceOf(RegistryError)
      expect(error.errorClass).toBe('redirect')
      expect(error.message).toMatch(/redirected/)
    } finally {
      await storage.close()
    }
  })
})
