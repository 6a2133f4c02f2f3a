/**
 * The benchmark's fleet: tenant i answers `GET /buildinfo` (and `GET /healthz`, 200) on its own loopback address (127.0.1.1,
 * 127.0.1.2, …), so every tenant is a distinct origin and no connection can be shared between two
 * tenants, as with a real fleet of machines. Plain HTTP or TLS (a leaf certificate per address, signed
 * by the benchmark's CA). A minimal HTTP/1.1 responder keeps the stand-in's own CPU small.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls'
import type { TestCa } from '../test/support/test-ca.js'

export interface LoopbackFleetStats {
  requests: number
  /** `GET /healthz` answered (always 200). */
  healthRequests: number
  connectionsOpened: number
  maxConnections: number
}

export interface LoopbackFleet {
  /** `http(s)://127.0.x.y:port/buildinfo`, one per tenant. */
  readonly urls: readonly string[]
  setSha(sha: string): void
  stats(): LoopbackFleetStats
  resetStats(): void
  close(): Promise<void>
}

/** Tenant i's address; 127.0.0.x stays free for the forge and the control plane. */
export function tenantAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`
}

const REQUEST_LINE = /^GET \/buildinfo HTTP\/1\.[01]\r\n/
const HEALTH_LINE = /^GET \/healthz HTTP\/1\.[01]\r\n/
const CLOSE = /\r\nconnection:[ \t]*close/i

export async function startLoopbackFleet(count: number, sha: string, ca: TestCa | null): Promise<LoopbackFleet> {
  let current = sha
  const stats: LoopbackFleetStats = { requests: 0, healthRequests: 0, connectionsOpened: 0, maxConnections: 0 }
  let open = 0
  const sockets = new Set<Socket>()

  const serveHttp = (socket: Socket | TLSSocket): void => {
    let pending = ''
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1')
      let end: number
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end + 2)
        pending = pending.slice(end + 4)
        const close = CLOSE.test(head)
        const found = REQUEST_LINE.test(head)
        const health = HEALTH_LINE.test(head)
        if (found) stats.requests++
        if (health) stats.healthRequests++
        const body = found ? `{"sha":"${current}"}` : '{}'
        socket.write(
          `HTTP/1.1 ${found || health ? '200 OK' : '404 Not Found'}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
            `connection: ${close ? 'close' : 'keep-alive'}\r\n\r\n${body}`
        )
        if (close) return void socket.end()
      }
    })
    socket.on('error', () => undefined)
  }

  const serverFor = (address: string): Server => {
    // Built on the first connection; a TLS server (not a bare TLSSocket) so it issues session tickets as real servers do.
    let tls: TlsServer | null = null
    return createServer((socket) => {
      sockets.add(socket)
      stats.connectionsOpened++
      stats.maxConnections = Math.max(stats.maxConnections, ++open)
      socket.on('close', () => {
        sockets.delete(socket)
        open--
      })
      socket.on('error', () => undefined)
      if (!ca) return serveHttp(socket)
      if (!tls) {
        tls = createTlsServer({ key: ca.keyPem, cert: ca.leafFor(address) }, (secure) => {
          serveHttp(secure)
        })
        tls.on('tlsClientError', () => undefined)
      }
      tls.emit('connection', socket)
    })
  }

  const listen = (server: Server, address: string, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, address, () => resolve((server.address() as { port: number }).port))
    })

  const servers: Server[] = []
  let port = 0
  for (let i = 0; i < count; i++) {
    const server = serverFor(tenantAddress(i))
    port = await listen(server, tenantAddress(i), port)
    servers.push(server)
  }
  const scheme = ca ? 'https' : 'http'
  return {
    urls: Array.from({ length: count }, (_, i) => `${scheme}://${tenantAddress(i)}:${port}/buildinfo`),
    setSha: (next) => void (current = next),
    stats: () => ({ ...stats }),
    resetStats() {
      stats.requests = 0
      stats.healthRequests = 0
      stats.connectionsOpened = 0
      stats.maxConnections = open
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    }
  }
}
