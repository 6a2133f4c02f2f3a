import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { Dispatcher } from 'undici'
import { FleetError } from '../util/errors.js'
import { ResponseParser, type ResponseHead } from './http1-response.js'

/** What a probe needs from a dispatcher: undici's `dispatch` contract (an injected undici Dispatcher fits). */
export type ProbeDispatcher = Pick<Dispatcher, 'dispatch'>

export interface Http1TransportOptions {
  /** Keep sockets open between requests (few origins); otherwise each socket closes with its answer. */
  readonly keepAlive: boolean
  readonly connectTimeoutMs: number
  /** Idle sockets close after this long, or sooner when the server's Keep-Alive hint says so. */
  readonly keepAliveMs: number
}

/**
 * A lean HTTP/1.1 client for buildinfo GETs, dispatched the way undici dispatches (so a probe runs the
 * same against it and against an injected undici Dispatcher). One socket carries one request at a
 * time; the caller bounds how many are in flight, so the number of sockets is the caller's bound.
 * It exists because a verify round is thousands of tiny GETs from a short-lived process: undici's
 * general-purpose client costs about three times the CPU per request before its code is optimized.
 * Not a general client: GET only, no redirects, no proxy, no request body.
 */
export class Http1Transport implements ProbeDispatcher {
  private readonly origins = new Map<string, OriginConnections>()
  private closed = false

  constructor(private readonly options: Http1TransportOptions) {}

  dispatch(request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = this.originFor(String(request.origin))
    const exchange = new Exchange(origin.requestText(request), handler)
    if (this.closed) exchange.fail(new FleetError('transport closed', 'reset'))
    else origin.send(exchange)
    return true
  }

  /** Ends every socket, idle or busy. */
  async destroy(): Promise<void> {
    this.closed = true
    for (const origin of this.origins.values()) origin.destroyAll()
    this.origins.clear()
  }

  private originFor(key: string): OriginConnections {
    let origin = this.origins.get(key)
    if (!origin) {
      origin = new OriginConnections(new URL(key), this.options)
      this.origins.set(key, origin)
    }
    return origin
  }
}

/** One request and the handler it reports to; reported at most once to the end. */
class Exchange implements Dispatcher.DispatchController {
  aborted = false
  paused = false
  reason: Error | null = null
  private finished = false
  /** Set by the connection carrying the exchange: drops that socket. */
  onAbort: (() => void) | null = null

  constructor(
    readonly text: string,
    private readonly handler: Dispatcher.DispatchHandler
  ) {
    handler.onRequestStart?.(this, {})
  }

  abort(reason: Error): void {
    if (this.finished) return
    this.aborted = true
    this.reason = reason
    this.finished = true
    this.onAbort?.()
  }

  pause(): void {}
  resume(): void {}

  get live(): boolean {
    return !this.finished
  }

  head(head: ResponseHead): void {
    if (this.live) this.handler.onResponseStart?.(this, head.status, head.headers, head.statusText)
  }

  data(chunk: Buffer): void {
    if (this.live) this.handler.onResponseData?.(this, chunk)
  }

  end(): void {
    if (!this.live) return
    this.finished = true
    this.handler.onResponseEnd?.(this, {})
  }

  fail(error: Error): void {
    if (!this.live) return
    this.finished = true
    this.handler.onResponseError?.(this, error)
  }
}

class OriginConnections {
  private readonly idle: Connection[] = []
  private readonly all = new Set<Connection>()
  private readonly host: string
  private readonly port: number
  readonly secure: boolean
  private readonly requestHead: string

  constructor(
    url: URL,
    readonly options: Http1TransportOptions
  ) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FleetError(`unsupported protocol ${url.protocol}`, 'bad_payload')
    this.secure = url.protocol === 'https:'
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    this.port = Number(url.port) || (this.secure ? 443 : 80)
    this.requestHead = `host: ${url.host}\r\n${options.keepAlive ? '' : 'connection: close\r\n'}`
  }

  requestText(request: Dispatcher.DispatchOptions): string {
    let text = `${request.method} ${request.path} HTTP/1.1\r\n${this.requestHead}`
    for (const [name, value] of Object.entries((request.headers ?? {}) as Record<string, string>)) text += `${name}: ${value}\r\n`
    return `${text}\r\n`
  }

  send(exchange: Exchange): void {
    const reused = this.idle.pop()
    if (reused) reused.carry(exchange, true)
    else this.open().carry(exchange, false)
  }

  open(): Connection {
    const socket = this.secure
      ? tlsConnect({ host: this.host, port: this.port, servername: isIP(this.host) ? undefined : this.host, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: this.host, port: this.port })
    const connection = new Connection(socket, this)
    this.all.add(connection)
    return connection
  }

  parked(connection: Connection): void {
    this.idle.push(connection)
  }

  gone(connection: Connection): void {
    this.all.delete(connection)
    const at = this.idle.indexOf(connection)
    if (at >= 0) this.idle.splice(at, 1)
  }

  destroyAll(): void {
    for (const connection of [...this.all]) connection.destroy(new FleetError('transport closed', 'reset'))
  }

  get connectEvent(): string {
    return this.secure ? 'secureConnect' : 'connect'
  }
}

/** One socket: carries one exchange at a time, then parks as idle (keep-alive) or closes. */
class Connection {
  private exchange: Exchange | null = null
  private parser: ResponseParser | null = null
  private reused = false
  private connected = false
  private connectTimer: NodeJS.Timeout | null
  private idleMs: number

  constructor(
    private readonly socket: Socket,
    private readonly origin: OriginConnections
  ) {
    this.idleMs = origin.options.keepAliveMs
    socket.setNoDelay(true)
    this.connectTimer = setTimeout(
      () => this.destroy(new FleetError(`no connection within ${origin.options.connectTimeoutMs} ms`, 'connect_timeout')),
      origin.options.connectTimeoutMs
    )
    socket.once(origin.connectEvent, () => {
      this.connected = true
      this.clearConnectTimer()
    })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.destroy(this.connected || !origin.secure ? error : handshakeError(error)))
    socket.on('close', () => this.onClose())
    socket.on('timeout', () => this.destroy(new FleetError('idle connection expired', 'reset')))
  }

  carry(exchange: Exchange, reused: boolean): void {
    this.exchange = exchange
    this.reused = reused
    this.parser = new ResponseParser({
      onHead: (head) => exchange.head(head),
      onData: (chunk) => exchange.data(chunk),
      onEnd: () => undefined
    })
    exchange.onAbort = () => this.destroy(exchange.reason ?? new Error('aborted'))
    if (reused) {
      this.socket.setTimeout(0)
      this.socket.ref()
    }
    this.socket.write(exchange.text, 'latin1')
  }

  destroy(error: Error): void {
    this.clearConnectTimer()
    this.socket.destroy()
    this.settleFailed(error)
  }

  private onData(chunk: Buffer): void {
    const { exchange, parser } = this
    if (!exchange || !parser) return this.destroy(new FleetError('answer nobody asked for', 'bad_payload'))
    try {
      parser.feed(chunk)
    } catch (error) {
      return this.destroy(error as Error)
    }
    if (parser.done) this.complete(exchange, parser)
  }

  private complete(exchange: Exchange, parser: ResponseParser): void {
    this.exchange = null
    this.parser = null
    const hint = parser.keepAliveSeconds
    // Leave a second's margin before the server's own idle timeout, as undici does.
    if (hint !== null) this.idleMs = Math.min(this.idleMs, hint * 1000 - 1000)
    const keep = this.origin.options.keepAlive && parser.reusable && this.idleMs > 0 && !this.socket.destroyed
    if (keep) {
      this.socket.setTimeout(this.idleMs)
      this.socket.unref()
      this.origin.parked(this)
    } else {
      this.socket.destroy()
    }
    exchange.end()
  }

  private onClose(): void {
    this.clearConnectTimer()
    this.origin.gone(this)
    const { exchange, parser } = this
    if (!exchange || !parser) return
    if (parser.end()) return this.complete(exchange, parser)
    // A kept-alive socket the server closed just as we reused it: the GET never reached it, send it again.
    if (this.reused && !parser.started && exchange.live) {
      this.exchange = null
      this.origin.open().carry(exchange, false)
      return
    }
    this.settleFailed(new FleetError('connection closed before the answer was complete', 'reset'))
  }

  private settleFailed(error: Error): void {
    const { exchange, parser } = this
    this.exchange = null
    this.parser = null
    if (!exchange) return
    if (this.reused && parser && !parser.started && exchange.live && isResetLike(error)) {
      this.origin.open().carry(exchange, false)
      return
    }
    exchange.fail(error)
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer)
    this.connectTimer = null
  }
}

/** OpenSSL reports a failed handshake (wrong version, no shared cipher) as EPROTO, which would otherwise read as a reset. */
function handshakeError(error: Error): Error {
  const code = (error as { code?: string }).code
  return code === 'EPROTO' ? new FleetError(`TLS handshake failed: ${error.message}`, 'tls') : error
}

function isResetLike(error: Error): boolean {
  const code = (error as { code?: string }).code
  return code === 'ECONNRESET' || code === 'EPIPE'
}
