/**
 * The benchmark's fleet: every tenant at `/t/<name>/buildinfo` on one port, answered by a minimal HTTP/1.1
 * server on raw sockets. A real fleet is N machines; one node:http process standing in for 10,000 of them
 * spends ~50 µs of its single core per request and becomes what the benchmark measures. This server
 * spends a third of that, so the numbers are the verifier's (and curl's), not the stand-in's.
 * Keep-alive unless the request says `connection: close`; pipelined requests are answered in order.
 */
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface LeanFleetStats {
  requests: number
  connectionsOpened: number
  maxConnections: number
  openConnections: number
}

export interface LeanFleet {
  readonly origin: string
  /** Tenants in `names` report `from` until `at[i]` (ms since the epoch), then `to`. */
  converge(names: readonly string[], at: readonly number[], from: string, to: string): void
  stats(): LeanFleetStats
  resetStats(): void
  close(): Promise<void>
}

const ROUTE = /^GET \/t\/([^/ ]+)\/buildinfo HTTP\/1\.[01]$/
const CLOSE = /\r\nconnection:[ \t]*close/i

export async function startLeanFleet(defaultSha: string): Promise<LeanFleet> {
  const schedules = new Map<string, { at: number; from: string; to: string }>()
  const sockets = new Set<Socket>()
  const stats: LeanFleetStats = { requests: 0, connectionsOpened: 0, maxConnections: 0, openConnections: 0 }
  const answer = (body: string, status: string, close: boolean): string =>
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `connection: ${close ? 'close' : 'keep-alive'}\r\n\r\n${body}`
  const bodyFor = (name: string): string => {
    const schedule = schedules.get(name)
    const sha = schedule ? (Date.now() >= schedule.at ? schedule.to : schedule.from) : defaultSha
    return `{"sha":"${sha}"}`
  }

  const server = createServer((socket) => {
    sockets.add(socket)
    stats.connectionsOpened++
    stats.maxConnections = Math.max(stats.maxConnections, ++stats.openConnections)
    socket.setNoDelay(true)
    let pending = ''
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1')
      let end: number
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end)
        pending = pending.slice(end + 4)
        const route = ROUTE.exec(head.slice(0, head.indexOf('\r\n')))
        const close = CLOSE.test(head)
        if (route) stats.requests++
        socket.write(route ? answer(bodyFor(decodeURIComponent(route[1])), '200 OK', close) : answer('{}', '404 Not Found', close))
        if (close) return void socket.end()
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      sockets.delete(socket)
      stats.openConnections--
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    converge(names, at, from, to) {
      names.forEach((name, i) => schedules.set(name, { at: at[i], from, to }))
    },
    stats: () => ({ ...stats }),
    resetStats() {
      stats.requests = 0
      stats.connectionsOpened = 0
      stats.maxConnections = stats.openConnections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
