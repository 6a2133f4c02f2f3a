import { createServer, type Server, type Socket } from 'node:net'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { Http1Transport } from '../../src/fleet/http1-transport.js'
import { probeTenant, type ProbeRequest } from '../../src/fleet/probe.js'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const BODY = `{"sha":"${SHA}"}`

/** A raw TCP server: `answer` writes whatever bytes a test needs for each request head it receives. */
async function rawServer(answer: (socket: Socket, head: string, index: number) => void) {
  const heads: string[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let pending = ''
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1')
      let end: number
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        heads.push(pending.slice(0, end))
        pending = pending.slice(end + 4)
        answer(socket, heads[heads.length - 1], heads.length - 1)
      }
    })
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/buildinfo`
  return {
    url,
    heads,
    get connections() {
      return connections
    },
    get open() {
      return sockets.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

const ok = (extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n${extra}\r\n${BODY}`

describe('Http1Transport', () => {
  let transport: Http1Transport
  let req: ProbeRequest
  const servers: { close(): Promise<void> }[] = []

  beforeEach(() => {
    transport = new Http1Transport({ keepAlive: true, connectTimeoutMs: 2_000, keepAliveMs: 10_000 })
    req = { dispatcher: transport, shaFields: DEFAULT_SHA_FIELDS, requestTimeoutMs: 2_000, maxBodyBytes: 1024 }
  })
  afterEach(async () => {
    await transport.destroy()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  const serve = async (answer: Parameters<typeof rawServer>[0]) => {
    const server = await rawServer(answer)
    servers.push(server)
    return server
  }

  it('sends a plain GET with the Host header and the probe headers', async () => {
    const server = await serve((socket) => socket.write(ok()))
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    const [requestLine, ...headers] = server.heads[0].split('\r\n')
    expect(requestLine).toBe('GET /buildinfo HTTP/1.1')
    expect(headers).toEqual(
      expect.arrayContaining([`host: ${new URL(server.url).host}`, 'accept: application/json', 'user-agent: fleet-forward'])
    )
  })

  it('carries the next request over the same socket, one byte at a time or not', async () => {
    const server = await serve((socket) => {
      const bytes = Buffer.from(ok())
      for (let i = 0; i < bytes.length; i++) socket.write(bytes.subarray(i, i + 1))
    })
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect(server.connections).toBe(1)
  })

  it('opens a new socket after an answer that says connection: close', async () => {
    const server = await serve((socket) => socket.end(ok('connection: close\r\n')))
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect(server.connections).toBe(2)
  })

  it('reads a body that ends with the connection', async () => {
    const server = await serve((socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${BODY}`))
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
  })

  it('sends the GET again on a fresh socket when the server dropped the kept-alive one as it was reused', async () => {
    // Answers the first request, then resets that socket on the next request without answering it.
    const server = await serve((socket, _head, index) => (index === 1 ? socket.resetAndDestroy() : socket.write(ok())))
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect((await probeTenant(server.url, req)).sha).toBe(SHA)
    expect(server.connections).toBe(2)
    expect(server.heads).toHaveLength(3)
  })

  it('reports reset, not a retry, when a fresh socket closes before the answer', async () => {
    const server = await serve((socket) => socket.destroy())
    expect(await probeTenant(server.url, req)).toEqual({
      sha: null,
      errorClass: 'reset',
      detail: 'connection closed before the answer was complete'
    })
    expect(server.heads).toHaveLength(1)
  })

  it('classifies an answer that is not HTTP as bad_payload', async () => {
    const server = await serve((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'))
    expect(await probeTenant(server.url, req)).toMatchObject({ sha: null, errorClass: 'bad_payload' })
  })

  it('without keep-alive asks the server to close and keeps no socket', async () => {
    const oneShot = new Http1Transport({ keepAlive: false, connectTimeoutMs: 2_000, keepAliveMs: 10_000 })
    const server = await serve((socket, head) => (/\r\nconnection: close/i.test(head) ? socket.end(ok('connection: close\r\n')) : socket.write(ok())))
    try {
      expect((await probeTenant(server.url, { ...req, dispatcher: oneShot })).sha).toBe(SHA)
      expect((await probeTenant(server.url, { ...req, dispatcher: oneShot })).sha).toBe(SHA)
      expect(server.connections).toBe(2)
    } finally {
      await oneShot.destroy()
    }
  })

  it('speaks TLS to an https tenant: a server that answers in plain text is a tls failure', async () => {
    const plain = createServer((socket) => socket.once('data', () => socket.end(ok())))
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
    servers.push({ close: () => new Promise<void>((resolve) => plain.close(() => resolve())) })
    const result = await probeTenant(`https://127.0.0.1:${(plain.address() as { port: number }).port}/buildinfo`, req)
    expect(result).toMatchObject({ sha: null, errorClass: 'tls' })
  })

  it('closes idle sockets when destroyed', async () => {
    const server = await serve((socket) => socket.write(ok()))
    await probeTenant(server.url, req)
    expect(server.open).toBe(1)
    await transport.destroy()
    while (server.open > 0) await new Promise((resolve) => setImmediate(resolve))
    expect(server.open).toBe(0)
  })
})
