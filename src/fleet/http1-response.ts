import { FleetError } from '../util/errors.js'

/** Response head larger than this is not a buildinfo answer; refusing it bounds memory per socket. */
export const MAX_HEAD_BYTES = 16 * 1024
const MAX_CHUNK_LINE = 1024

export interface ResponseHead {
  readonly status: number
  readonly statusText: string
  /** Lower-case names; a repeated header becomes an array. */
  readonly headers: Record<string, string | string[]>
  /** The connection may carry another request after this answer. */
  readonly reusable: boolean
  /** Seconds from a `Keep-Alive: timeout=N` hint, when the server gave one. */
  readonly keepAliveSeconds: number | null
}

export interface ResponseSink {
  onHead(head: ResponseHead): void
  onData(chunk: Buffer): void
  onEnd(): void
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done'

/**
 * Incremental parser of one HTTP/1.x answer to a GET: status line and headers, then the body framed by
 * chunked encoding, Content-Length, or the end of the connection (RFC 9112 §6.3). Interim 1xx answers
 * are skipped. A malformed answer throws a FleetError of class `bad_payload` (`too_large` for a head
 * over MAX_HEAD_BYTES). Bytes after a complete answer make the connection unusable (`leftover`).
 */
export class ResponseParser {
  private state: State = 'head'
  private text = ''
  private remaining = 0
  private head: ResponseHead | null = null
  /** The body ran until the connection ended, so the connection is gone with it. */
  private closeDelimited = false
  leftover = false

  constructor(private readonly sink: ResponseSink) {}

  get done(): boolean {
    return this.state === 'done'
  }

  /** Whether any byte of the answer has arrived (a reused socket that closes before that may be retried). */
  get started(): boolean {
    return this.state !== 'head' || this.text.length > 0
  }

  feed(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      switch (this.state) {
        case 'head':
          at = this.readHead(chunk, at)
          break
        case 'length': {
          const take = Math.min(this.remaining, chunk.length - at)
          this.remaining -= take
          this.sink.onData(chunk.subarray(at, at + take))
          at += take
          if (this.remaining === 0) this.finish()
          break
        }
        case 'until-close':
          this.sink.onData(at === 0 ? chunk : chunk.subarray(at))
          at = chunk.length
          break
        case 'chunk-size':
        case 'trailers':
          at = this.readLine(chunk, at)
          break
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - at)
          this.remaining -= take
          this.sink.onData(chunk.subarray(at, at + take))
          at += take
          if (this.remaining === 0) {
            this.state = 'chunk-crlf'
            this.remaining = 2
          }
          break
        }
        case 'chunk-crlf':
          if (chunk[at] !== (this.remaining === 2 ? 0x0d : 0x0a)) throw malformed('chunk not followed by CRLF')
          at++
          if (--this.remaining === 0) this.state = 'chunk-size'
          break
        case 'done':
          this.leftover = true
          return
      }
    }
  }

  /** The connection ended: completes a close-delimited body, else the answer was cut short. */
  end(): boolean {
    if (this.state === 'until-close') {
      this.closeDelimited = true
      this.finish()
      return true
    }
    return this.state === 'done'
  }

  private readHead(chunk: Buffer, at: number): number {
    const before = this.text.length
    this.text += chunk.toString('latin1', at)
    const end = this.text.indexOf('\r\n\r\n')
    if (end < 0) {
      if (this.text.length > MAX_HEAD_BYTES) throw new FleetError(`response head exceeds ${MAX_HEAD_BYTES} bytes`, 'too_large')
      return chunk.length
    }
    if (end > MAX_HEAD_BYTES) throw new FleetError(`response head exceeds ${MAX_HEAD_BYTES} bytes`, 'too_large')
    const next = at + (end + 4 - before)
    const head = parseHead(this.text.slice(0, end))
    this.text = ''
    // Interim answers (100 Continue, 103 Early Hints) precede the real one.
    if (head.status >= 100 && head.status < 200) {
      if (head.status === 101) throw malformed('unexpected protocol switch')
      return next
    }
    this.head = head
    this.sink.onHead(head)
    this.frameBody(head)
    return next
  }

  private frameBody(head: ResponseHead): void {
    const { headers, status } = head
    if (status === 204 || status === 304) return this.finish()
    const coding = headers['transfer-encoding']
    if (coding !== undefined) {
      const codings = String(coding).toLowerCase().split(',')
      this.state = codings[codings.length - 1].trim() === 'chunked' ? 'chunk-size' : 'until-close'
      return
    }
    const length = headers['content-length']
    if (length !== undefined) {
      const values = new Set(String(length).split(',').map((v) => v.trim()))
      const only = values.size === 1 ? [...values][0] : ''
      if (!/^\d{1,15}$/.test(only)) throw malformed('invalid Content-Length')
      this.remaining = Number(only)
      this.state = 'length'
      if (this.remaining === 0) this.finish()
      return
    }
    this.state = 'until-close'
  }

  private readLine(chunk: Buffer, at: number): number {
    const lf = chunk.indexOf(0x0a, at)
    const stop = lf < 0 ? chunk.length : lf + 1
    this.text += chunk.toString('latin1', at, stop)
    if (this.text.length > MAX_CHUNK_LINE) throw malformed('chunk line too long')
    if (lf < 0) return stop
    if (!this.text.endsWith('\r\n')) throw malformed('chunk line not ended by CRLF')
    const line = this.text.slice(0, -2)
    this.text = ''
    if (this.state === 'trailers') {
      if (line === '') this.finish()
      return stop
    }
    const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line)
    if (!size) throw malformed('invalid chunk size')
    this.remaining = parseInt(size[1], 16)
    this.state = this.remaining === 0 ? 'trailers' : 'chunk-data'
    return stop
  }

  private finish(): void {
    this.state = 'done'
    this.sink.onEnd()
  }

  /** Whether the connection may be reused, once the answer is done. */
  get reusable(): boolean {
    return this.state === 'done' && !this.leftover && !this.closeDelimited && (this.head?.reusable ?? false)
  }

  get keepAliveSeconds(): number | null {
    return this.head?.keepAliveSeconds ?? null
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n')
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0])
  if (!statusLine) throw malformed('not an HTTP/1.x status line')
  const headers: Record<string, string | string[]> = {}
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':')
    if (colon <= 0) throw malformed('malformed header line')
    const name = lines[i].slice(0, colon).trim().toLowerCase()
    const value = lines[i].slice(colon + 1).trim()
    const seen = headers[name]
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  const connection = String(headers.connection ?? '').toLowerCase()
  const reusable = statusLine[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
  const hint = /\btimeout=(\d+)/i.exec(String(headers['keep-alive'] ?? ''))
  return {
    status: Number(statusLine[2]),
    statusText: statusLine[3] ?? '',
    headers,
    reusable,
    keepAliveSeconds: hint ? Number(hint[1]) : null
  }
}

function malformed(problem: string): FleetError {
  return new FleetError(`malformed HTTP answer: ${problem}`, 'bad_payload')
}
