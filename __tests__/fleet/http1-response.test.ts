import fc from 'fast-check'
import { MAX_HEAD_BYTES, ResponseParser, type ResponseHead } from '../../src/fleet/http1-response.js'

interface Parsed {
  head: ResponseHead | null
  body: string
  ended: boolean
  parser: ResponseParser
}

/** Feeds `raw` in pieces cut at `cuts` (byte offsets). */
function parse(raw: string, cuts: readonly number[] = []): Parsed {
  const out: Parsed = { head: null, body: '', ended: false, parser: null as unknown as ResponseParser }
  out.parser = new ResponseParser({
    onHead: (head) => (out.head = head),
    onData: (chunk) => (out.body += chunk.toString('latin1')),
    onEnd: () => (out.ended = true)
  })
  const bytes = Buffer.from(raw, 'latin1')
  let at = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).filter((c) => c > 0 && c < bytes.length)) {
    out.parser.feed(bytes.subarray(at, cut))
    at = cut
  }
  out.parser.feed(bytes.subarray(at))
  return out
}

const BODY = '{"sha":"7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90"}'
const chunked = (parts: readonly string[]) => parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n'

describe('ResponseParser', () => {
  it('reads the same answer however the bytes are split (Content-Length and chunked)', () => {
    const answers = [
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`,
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunked([BODY.slice(0, 9), BODY.slice(9, 10), BODY.slice(10)])}`,
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`
    ]
    fc.assert(
      fc.property(fc.constantFrom(...answers), fc.array(fc.nat({ max: 400 }), { maxLength: 12 }), (raw, cuts) => {
        const parsed = parse(raw, cuts)
        expect(parsed.head?.status).toBe(200)
        expect(parsed.body).toBe(BODY)
        expect(parsed.ended).toBe(true)
        expect(parsed.parser.reusable).toBe(true)
      })
    )
  })

  it('ends a body without length or chunking only when the connection ends, and never reuses that connection', () => {
    const parsed = parse(`HTTP/1.1 200 OK\r\n\r\n${BODY}`)
    expect(parsed.ended).toBe(false)
    expect(parsed.parser.end()).toBe(true)
    expect(parsed.body).toBe(BODY)
    expect(parsed.parser.reusable).toBe(false)
  })

  it('reports an answer cut short by the end of the connection', () => {
    const parsed = parse(`HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n${BODY}`)
    expect(parsed.parser.end()).toBe(false)
  })

  it.each([
    ['connection: close', 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}', false],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}', false],
    ['HTTP/1.0 with keep-alive', 'HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\n{}', true],
    ['bytes after the answer', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}garbage', false]
  ])('decides reuse from %s', (_label, raw, reusable) => {
    expect(parse(raw).parser.reusable).toBe(reusable)
  })

  it('reads the Keep-Alive timeout hint and gives repeated headers as arrays', () => {
    const { head } = parse('HTTP/1.1 204 No Content\r\nkeep-alive: timeout=5, max=100\r\nx-a: 1\r\nX-A: 2\r\n\r\n')
    expect(head).toMatchObject({ status: 204, keepAliveSeconds: 5, headers: { 'x-a': ['1', '2'] } })
  })

  it.each([
    ['a status line that is not HTTP/1.x', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['conflicting Content-Length values', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk not followed by CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}XX']
  ])('refuses %s as bad_payload', (_label, raw) => {
    expect(() => parse(raw)).toThrow(expect.objectContaining({ errorClass: 'bad_payload' }))
  })

  it('refuses a head over the limit as too_large without waiting for its end', () => {
    const raw = `HTTP/1.1 200 OK\r\nx-padding: ${'x'.repeat(MAX_HEAD_BYTES)}`
    expect(() => parse(raw)).toThrow(expect.objectContaining({ errorClass: 'too_large' }))
  })
})
