import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

/**
 * A forward proxy on 127.0.0.1 that logs what passes through it: plain-HTTP requests in absolute form
 * (`GET http://host:port/path`, forwarded) and CONNECT tunnels (`CONNECT host:port`, spliced).
 *
 *   const proxy = await startLoggingProxy()   // HTTP_PROXY=proxy.url
 *   proxy.log → [{ method: 'GET', authority: '127.0.0.1:4123', path: '/repos/…' }, …]
 */
export interface ProxiedRequest {
  readonly method: string
  /** host:port the client asked the proxy to reach. */
  readonly authority: string
  /** Path and query; null for a tunnel, whose content the proxy cannot see. */
  readonly path: string | null
}

export interface LoggingProxy {
  readonly url: string
  readonly log: ProxiedRequest[]
  /** Entries whose authority is `authority` (host:port). */
  to(authority: string): ProxiedRequest[]
  close(): Promise<void>
}

export async function startLoggingProxy(): Promise<LoggingProxy> {
  const log: ProxiedRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '')
    log.push({ method: req.method ?? '', authority: target.host, path: `${target.pathname}${target.search}` })
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers: withoutProxyHeaders(req) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? ''
    log.push({ method: 'CONNECT', authority, path: null })
    const [host, port] = [authority.slice(0, authority.lastIndexOf(':')), Number(authority.slice(authority.lastIndexOf(':') + 1))]
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => (socket === client ? upstream : client).destroy())
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    to: (authority) => log.filter((entry) => entry.authority === authority),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

function withoutProxyHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const headers = { ...req.headers }
  delete headers['proxy-connection']
  delete headers['proxy-authorization']
  return headers
}
