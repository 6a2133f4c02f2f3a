import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { createFleetTransport, MAX_PROBE_REDIRECTS, planConnections } from '../../src/fleet/connection-plan.js'
import { probeTenant, type ProbeRequest } from '../../src/fleet/probe.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

const builtIn = (): Dispatcher => createFleetTransport(planConnections([], 4), { connectTimeoutMs: 1_000, keepAliveMs: 5_000 })

// The same behaviour over the built-in transport and over an injected undici dispatcher (simulations use one).
describe.each([
  ['the built-in transport', builtIn],
  ['an injected undici Agent', () => new Agent({ connections: 4 })]
])('probeTenant over %s', (_label, createDispatcher) => {
  let fleet: FakeFleet
  let dispatcher: Dispatcher
  let req: ProbeRequest

  beforeAll(async () => {
    fleet = await startFakeFleet({ sha: SHA })
    dispatcher = createDispatcher()
    req = { dispatcher, shaFields: DEFAULT_SHA_FIELDS, requestTimeoutMs: 2_000, maxBodyBytes: 1024 }
  })
  afterAll(async () => {
    await dispatcher.destroy()
    await fleet.close()
  })

  it('reads the commit a healthy tenant reports', async () => {
    expect(await probeTenant(fleet.url('ok'), req)).toEqual({ sha: SHA, errorClass: null, detail: null })
  })

  it('finds the commit in whichever configured field the tenant uses', async () => {
    fleet.set('git-sha', { field: 'git_sha' })
    expect((await probeTenant(fleet.url('git-sha'), req)).sha).toBe(SHA)
  })

  it('is refused by a closed port', async () => {
    const port = await closedPort()
    const result = await probeTenant(`http://127.0.0.1:${port}/buildinfo`, req)
    expect(result.errorClass).toBe('refused')
  })

  it('gives up on a tenant that never answers at its deadline', async () => {
    fleet.set('hang', { hang: true })
    const result = await probeTenant(fleet.url('hang'), { ...req, requestTimeoutMs: 150 })
    expect(result).toEqual({ sha: null, errorClass: 'deadline', detail: 'no complete answer within 150 ms' })
  })

  it('counts a slow answer inside the deadline as an answer', async () => {
    fleet.set('slow', { delayMs: 50 })
    expect((await probeTenant(fleet.url('slow'), req)).sha).toBe(SHA)
  })

  it('refuses a body whose Content-Length is over the limit before reading it', async () => {
    fleet.set('big-declared', { oversized: { bytes: 100_000, declared: true } })
    const result = await probeTenant(fleet.url('big-declared'), req)
    expect(result.errorClass).toBe('too_large')
    expect(result.detail).toMatch(/^Content-Length \d+ exceeds 1024 bytes$/)
  })

  it('stops reading an undeclared body once it passes the limit', async () => {
    fleet.set('big-chunked', { oversized: { bytes: 100_000, declared: false } })
    expect(await probeTenant(fleet.url('big-chunked'), req)).toEqual({
      sha: null,
      errorClass: 'too_large',
      detail: 'body exceeds 1024 bytes'
    })
  })

  it.each([
    [404, 'http_4xx'],
    [403, 'http_4xx'],
    [429, 'rate_limited'],
    [500, 'http_5xx'],
    [503, 'http_5xx']
  ])('classifies HTTP %i as %s', async (status, errorClass) => {
    fleet.set(`status-${status}`, { status })
    expect(await probeTenant(fleet.url(`status-${status}`), req)).toEqual({ sha: null, errorClass, detail: `HTTP ${status}` })
  })

  it('classifies a dropped connection as reset', async () => {
    fleet.set('reset', { reset: true })
    expect((await probeTenant(fleet.url('reset'), req)).errorClass).toBe('reset')
  })

  it.each([
    ['malformed JSON', '{"sha": "7f25'],
    ['a missing field', '{"version":"2"}'],
    ['a value that is not hex', '{"sha":"not-a-commit"}']
  ])('classifies %s as bad_payload', async (_label, body) => {
    fleet.set('bad', { body })
    expect((await probeTenant(fleet.url('bad'), req)).errorClass).toBe('bad_payload')
  })

  it.each(['{"sha":"::add-mask::x"}', '{"sha":"##[error]boom"}', '{"sha":"a\\rb::stop-commands::tok"}', '{"commit":"::set-output name=x::1"}'])(
    'never lets a hostile body %s reach the detail as a workflow command',
    async (body) => {
      fleet.set('hostile', { body })
      const result = await probeTenant(fleet.url('hostile'), req)
      expect(result.errorClass).toBe('bad_payload')
      expect(result.detail).not.toMatch(/::|##\[|\r/)
    }
  )

  it('throws the cancellation reason instead of reporting the tenant unreachable', async () => {
    fleet.set('hang-cancel', { hang: true })
    const controller = new AbortController()
    const probing = probeTenant(fleet.url('hang-cancel'), req, controller.signal)
    controller.abort(new Error('run cancelled'))
    await expect(probing).rejects.toThrow('run cancelled')
  })
})

describe('probeTenant over the built-in transport: redirects and malformed answers', () => {
  let dispatcher: Dispatcher
  let server: HttpServer
  let base: string
  let req: ProbeRequest

  beforeAll(async () => {
    dispatcher = builtIn()
    req = { dispatcher, shaFields: DEFAULT_SHA_FIELDS, requestTimeoutMs: 2_000, maxBodyBytes: 1024 }
    // /hop/<n> redirects n more times, then to /buildinfo; /loop redirects to itself; /nowhere has no Location.
    server = createHttpServer((request, res) => {
      const hop = /^\/hop\/(\d+)$/.exec(request.url ?? '')
      if (hop) return void res.writeHead(302, { location: Number(hop[1]) > 0 ? `/hop/${Number(hop[1]) - 1}` : '/buildinfo' }).end()
      if (request.url === '/loop') return void res.writeHead(301, { location: '/loop' }).end()
      if (request.url === '/nowhere') return void res.writeHead(307).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha: SHA }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await dispatcher.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it('follows redirects to the buildinfo, up to the limit', async () => {
    expect((await probeTenant(`${base}/hop/${MAX_PROBE_REDIRECTS - 1}`, req)).sha).toBe(SHA)
  })

  it.each([
    ['one hop too many', () => `/hop/${MAX_PROBE_REDIRECTS}`],
    ['a redirect loop', () => '/loop'],
    ['a redirect without Location', () => '/nowhere']
  ])('classifies %s as redirect', async (_label, path) => {
    const result = await probeTenant(`${base}${path()}`, req)
    expect(result.errorClass).toBe('redirect')
    expect(result.sha).toBeNull()
  })

  it.each([
    ['Transfer-Encoding together with Content-Length', 'transfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n5\r\n{"x":\r\n0\r\n\r\n'],
    ['an obs-fold header', 'x-folded: a\r\n b\r\ncontent-length: 2\r\n\r\n{}'],
    ['a bare LF inside a header value', 'x-bad: a\nb: c\r\ncontent-length: 2\r\n\r\n{}']
  ])('refuses an answer with %s as bad_payload', async (_label, rest) => {
    const raw = await rawAnswer(`HTTP/1.1 200 OK\r\n${rest}`)
    try {
      const result = await probeTenant(raw.url, req)
      expect(result).toMatchObject({ sha: null, errorClass: 'bad_payload' })
    } finally {
      await raw.close()
    }
  })

  it('refuses a status code outside 100–599 as bad_payload', async () => {
    const raw = await rawAnswer('HTTP/1.1 1000 Odd\r\ncontent-length: 2\r\n\r\n{}')
    try {
      expect((await probeTenant(raw.url, req)).errorClass).toBe('bad_payload')
    } finally {
      await raw.close()
    }
  })

  it('reads a __proto__ header as an ordinary header', async () => {
    const body = JSON.stringify({ sha: SHA })
    const raw = await rawAnswer(`HTTP/1.1 200 OK\r\n__proto__: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
    try {
      expect((await probeTenant(raw.url, req)).sha).toBe(SHA)
    } finally {
      await raw.close()
    }
  })
})

/** A TCP server that answers every request with the same raw bytes. */
async function rawAnswer(bytes: string): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('data', () => socket.write(bytes, 'latin1'))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/buildinfo`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('probeTenant behind the runner proxy (HTTP_PROXY), over the built-in transport', () => {
  /** The built-in transport reads the proxy variables when it is built, as on a runner. */
  function transportBehind(proxy: string): Dispatcher {
    const saved = process.env.HTTP_PROXY
    process.env.HTTP_PROXY = proxy
    try {
      return builtIn()
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = saved
    }
  }

  async function probeThrough(proxy: string): Promise<Awaited<ReturnType<typeof probeTenant>>> {
    const dispatcher = transportBehind(proxy)
    try {
      return await probeTenant('http://tenant.invalid/buildinfo', { dispatcher, shaFields: DEFAULT_SHA_FIELDS, requestTimeoutMs: 2_000, maxBodyBytes: 1024 })
    } finally {
      await dispatcher.destroy()
    }
  }

  it('a proxy that answers 407 makes the tenant unreachable with class proxy, naming the proxy', async () => {
    const proxy: HttpServer = createHttpServer((_req, res) => res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end())
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const { port } = proxy.address() as { port: number }
    try {
      const result = await probeThrough(`http://127.0.0.1:${port}`)
      expect(result).toMatchObject({ sha: null, errorClass: 'proxy' })
      expect(result.detail).toContain(`proxy 127.0.0.1:${port} answered 407`)
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })

  it('a proxy with nothing listening makes the tenant unreachable with class proxy, not refused', async () => {
    const port = await closedPort()
    expect(await probeThrough(`http://127.0.0.1:${port}`)).toMatchObject({ sha: null, errorClass: 'proxy' })
  })
})
