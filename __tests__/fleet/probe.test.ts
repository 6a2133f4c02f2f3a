import { createServer } from 'node:net'
import { Agent } from 'undici'
import { Http1Transport } from '../../src/fleet/http1-transport.js'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { probeTenant, type ProbeRequest } from '../../src/fleet/probe.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

// The same behaviour over the built-in transport and over an injected undici dispatcher (simulations use one).
describe.each([
  ['the built-in HTTP/1.1 transport', () => new Http1Transport({ keepAlive: true, connectTimeoutMs: 1_000, keepAliveMs: 5_000 })],
  ['an undici Agent', () => new Agent({ connections: 4 })]
])('probeTenant over %s', (_label, createDispatcher) => {
  let fleet: FakeFleet
  let dispatcher: ReturnType<typeof createDispatcher>
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

  it.each([
    '{"sha":"::add-mask::x"}',
    '{"sha":"##[error]boom"}',
    '{"sha":"a\\rb::stop-commands::tok"}',
    '{"commit":"::set-output name=x::1"}'
  ])('never lets a hostile body %s reach the detail as a workflow command', async (body) => {
    fleet.set('hostile', { body })
    const result = await probeTenant(fleet.url('hostile'), req)
    expect(result.errorClass).toBe('bad_payload')
    expect(result.detail).not.toMatch(/::|##\[|\r/)
  })

  it('throws the cancellation reason instead of reporting the tenant unreachable', async () => {
    fleet.set('hang-cancel', { hang: true })
    const controller = new AbortController()
    const probing = probeTenant(fleet.url('hang-cancel'), req, controller.signal)
    controller.abort(new Error('run cancelled'))
    await expect(probing).rejects.toThrow('run cancelled')
  })
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
