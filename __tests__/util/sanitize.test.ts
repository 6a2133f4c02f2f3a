import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import { neutralize, readRemoteText } from '../../src/util/sanitize.js'
import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'

/** What the runner would treat as a workflow command: a line starting with `::` or `##[`, after trimming. */
function runnerWouldParse(text: string): boolean {
  return text.split(/\r\n|\r|\n/).some((line) => /^\s*(::|##\[)/.test(line))
}

describe('neutralize', () => {
  it.each([
    '::add-mask::hunter2',
    '::set-output name=result::deployed',
    '##[error]forged failure',
    '::stop-commands::token123',
    'ok\r::warning::hidden behind a lone carriage return',
    'line\n::error::second line',
    ' \t::notice::behind leading white space'
  ])('defuses %j', (hostile) => {
    expect(runnerWouldParse(hostile)).toBe(true)
    const safe = neutralize(hostile)
    expect(runnerWouldParse(safe)).toBe(false)
    // eslint-disable-next-line no-control-regex -- ESC is exactly the character that must not survive
    expect(safe).not.toMatch(/::|##\[|[\r\n\u001b]/)
  })

  it('keeps ordinary text readable and bounds its length', () => {
    expect(neutralize('connection refused')).toBe('connection refused')
    expect(neutralize('x'.repeat(2000))).toHaveLength(513)
  })
})

test('neutralize strips terminal escape sequences', () => {
  expect(neutralize('\u001b[2Kred\u001b[0m')).not.toContain('\u001b')
})

describe('a body read in part', () => {
  // 24 bytes: its base64, the longest form, has no padding, so no shorter form hides inside a beginning of it.
  const TOKEN = 'cp_StraddlingToken0042xy'

  beforeEach(() => registerSecret(TOKEN))
  afterEach(() => forgetSecrets())

  async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
    for (const part of parts) yield Buffer.from(part)
  }

  it('reads no more than its bound and says the body went on', async () => {
    let read = 0
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        read++
        yield Buffer.from('x'.repeat(1000))
      }
    }
    expect(await readRemoteText(endless(), 4096)).toEqual({ text: 'x'.repeat(4096), complete: false })
    expect(read).toBe(5)
    expect(await readRemoteText(chunks('ab', 'cd'), 4)).toEqual({ text: 'abcd', complete: true })
  })

  const escapeEach = (text: string) => text.replace(/./g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

  it.each([
    ['raw', (token: string) => token],
    ['split by a line break', (token: string) => `${token.slice(0, 9)}\r\n${token.slice(9)}`],
    ['every character \\u-escaped', escapeEach],
    ['URL-encoded with lower-case hex', (token: string) => token.replace(/./g, (c) => `%${c.charCodeAt(0).toString(16)}`)],
    ['base64', (token: string) => Buffer.from(token).toString('base64')],
    // The longest form, cut inside the escape of its last character.
    ['base64, every character \\u-escaped', (token: string) => escapeEach(Buffer.from(token).toString('base64'))],
    ['upper-cased', (token: string) => token.toUpperCase()]
  ])('a secret (%s) cut by the read bound leaves none of its beginning, whatever the cut', async (_form, encode) => {
    const lead = `${'rejected '.repeat(40)}https://cp.example/roll?q=${'q'.repeat(300)} echo: `
    const scrubbedLead = `${'rejected '.repeat(40)}https://cp.example/roll?… echo: `
    const encoded = encode(TOKEN)
    for (let kept = 1; kept < encoded.length; kept++) {
      const quoted = neutralize(await readRemoteText(chunks(lead, encoded), lead.length + kept), 2000)
      // Some of the lead, ended by an ellipsis: nothing of the token.
      expect(quoted).toMatch(/…$/)
      expect(scrubbedLead.startsWith(quoted.slice(0, -1))).toBe(true)
      expect(quoted.length).toBeGreaterThan(200)
    }
  })

  it('a secret whole within the bound is scrubbed before the cut, wherever the cut falls', async () => {
    // The attack that found it: the token echoed behind a long query, which the scrubber shortens to `?…`.
    const body = `{"error":"rejected https://cp.example/roll?q=${'q'.repeat(1960)} echo: ${TOKEN}"}`
    const quoted = neutralize(await readRemoteText(chunks(body)), 200)
    expect(quoted).toBe('{"error":"rejected https://cp.example/roll?… echo: ***"}')
  })
})

test('a body far over the bound is read no further: the request ends and the connection is let go', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'text/plain' })
    // 64 MiB, written as the client reads: more than the bound by far.
    let left = 1024
    const more = (): void => {
      while (left > 0) {
        left--
        if (!res.write('x'.repeat(64 * 1024))) return void res.once('drain', more)
      }
      res.end()
    }
    more()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const agent = new Agent()
  try {
    const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { dispatcher: agent })
    const read = await readRemoteText(res.body, 1000)
    expect(read).toEqual({ text: 'x'.repeat(1000), complete: false })
    expect(neutralize(read, 10)).toBe(`${'x'.repeat(10)}…`)
  } finally {
    await agent.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})
