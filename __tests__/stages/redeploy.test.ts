import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { idempotencyKey, redeployFleet, RedeployStopped, type RedeployRequest } from '../../src/stages/redeploy.js'
import { FleetError } from '../../src/util/errors.js'
import { liveProcesses } from '../../test/support/processes.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'
import { NEWER } from '../../test/support/memory-forge.js'

interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: unknown
}

async function controlPlane(answer: (req: Received) => { status: number; headers?: Record<string, string> }) {
  const received: Received[] = []
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(text || 'null') }
      received.push(r)
      const { status, headers } = answer(r)
      res.writeHead(status, headers).end('{"message":"::set-output name=result::deployed"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) }
}

const REQUEST: RedeployRequest = {
  tag: 'staging-7f25373',
  sha: NEWER,
  environment: 'production',
  repository: 'acme/fleet',
  tenants: ['hongming', 'lagging'],
  runKey: 'acme/fleet#42.1'
}

function deps() {
  return { clock: new VirtualClock(), log: new RecordingLogger() }
}

describe('redeployFleet via webhook', () => {
  it('POSTs one JSON request with the bearer token and an Idempotency-Key', async () => {
    const cp = await controlPlane(() => ({ status: 202 }))
    try {
      await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: 'cp-secret', perTenant: false }, REQUEST, deps())
      expect(cp.received).toHaveLength(1)
      const [req] = cp.received
      expect(req.method).toBe('POST')
      expect(req.headers.authorization).toBe('Bearer cp-secret')
      expect(req.headers['idempotency-key']).toBe(idempotencyKey(REQUEST, null))
      expect(req.body).toEqual({ tag: 'staging-7f25373', sha: NEWER, environment: 'production', repository: 'acme/fleet', tenants: ['hongming', 'lagging'] })
    } finally {
      await cp.close()
    }
  })

  it('makes one call per tenant with {tenant}, each with its own stable key', async () => {
    const cp = await controlPlane(() => ({ status: 200 }))
    try {
      await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll/{tenant}`, token: null, perTenant: true }, REQUEST, deps())
      expect(cp.received.map((r) => r.url)).toEqual(['/roll/hongming', '/roll/lagging'])
      expect(cp.received.map((r) => r.body)).toEqual([expect.objectContaining({ tenants: ['hongming'] }), expect.objectContaining({ tenants: ['lagging'] })])
      const keys = cp.received.map((r) => r.headers['idempotency-key'])
      expect(new Set(keys).size).toBe(2)
      expect(keys[0]).toBe(idempotencyKey(REQUEST, 'hongming'))
      expect(cp.received[0].headers.authorization).toBeUndefined()
    } finally {
      await cp.close()
    }
  })

  it('does not retry a POST the server received and failed, and neutralizes its body', async () => {
    const cp = await controlPlane(() => ({ status: 500 }))
    try {
      const error = await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: 'cp-secret', perTenant: false }, REQUEST, deps()).catch((e) => e)
      expect(error).toBeInstanceOf(FleetError)
      expect(error.errorClass).toBe('http_5xx')
      expect(error.message).not.toMatch(/^::|[^:]::set-output/)
      expect(error.message).not.toContain('cp-secret')
      expect(cp.received).toHaveLength(1)
    } finally {
      await cp.close()
    }
  })

  it('refuses a redirect of the POST as class redirect, and does not follow it with the token', async () => {
    const cp = await controlPlane((req) => (req.url === '/roll' ? { status: 307, headers: { location: '/elsewhere' } } : { status: 202 }))
    try {
      const error = await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: 'cp-secret', perTenant: false }, REQUEST, deps()).catch((e) => e)
      expect(error).toBeInstanceOf(FleetError)
      expect(error.errorClass).toBe('redirect')
      expect(cp.received.map((r) => r.url)).toEqual(['/roll'])
    } finally {
      await cp.close()
    }
  })

  it('retries after the Retry-After of a 429, with the same Idempotency-Key', async () => {
    let calls = 0
    const cp = await controlPlane(() => (++calls === 1 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 202 }))
    const d = deps()
    try {
      await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: null, perTenant: false }, REQUEST, d)
      expect(cp.received).toHaveLength(2)
      expect(d.clock.sleeps).toEqual([7000])
      expect(cp.received[0].headers['idempotency-key']).toBe(cp.received[1].headers['idempotency-key'])
    } finally {
      await cp.close()
    }
  })

  it('reads a Retry-After given as an HTTP date on the injected clock', async () => {
    let calls = 0
    const d = deps()
    const at = new Date(d.clock.now() + 9000).toUTCString()
    const cp = await controlPlane(() => (++calls === 1 ? { status: 503, headers: { 'retry-after': at } } : { status: 202 }))
    try {
      await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: null, perTenant: false }, REQUEST, d)
      expect(cp.received).toHaveLength(2)
      expect(d.clock.sleeps).toEqual([9000])
    } finally {
      await cp.close()
    }
  })

  it('retries a connection that was refused (never sent), then fails naming the endpoint', async () => {
    const cp = await controlPlane(() => ({ status: 200 }))
    await cp.close()
    const d = deps()
    const error = await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll?token=abc`, token: null, perTenant: false }, REQUEST, d).catch((e) => e)
    expect(error.errorClass).toBe('refused')
    expect(error.message).toContain(`POST ${cp.url}/roll?…`)
    expect(error.message).not.toContain('abc')
    expect(d.clock.sleeps).toEqual([2000, 4000])
  })

  it('sends nothing when every tenant is already on the expected commit', async () => {
    const cp = await controlPlane(() => ({ status: 200 }))
    try {
      await redeployFleet({ kind: 'webhook', url: `${cp.url}/roll`, token: null, perTenant: false }, { ...REQUEST, tenants: [] }, deps())
      expect(cp.received).toHaveLength(0)
    } finally {
      await cp.close()
    }
  })
})

describe('redeployFleet via command', () => {
  it('passes the values in FLEET_* variables, never in the command text', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ff-cmd-')), 'seen')
    const command = `printf '%s|%s|%s|%s|' "$FLEET_TAG" "$FLEET_SHA" "$FLEET_ENVIRONMENT" "$FLEET_TENANTS" > ${out}; cat "$FLEET_TENANTS_FILE" >> ${out}`
    await redeployFleet({ kind: 'command', command }, REQUEST, deps())
    expect(readFileSync(out, 'utf8')).toBe(`staging-7f25373|${NEWER}|production|hongming\nlagging|["hongming","lagging"]`)
  })

  it('logs whole lines: a line written in two pieces is one log line', async () => {
    const d = deps()
    await redeployFleet({ kind: 'command', command: "printf 'rolling hong'; sleep 0.2; printf 'ming\\nrolling ana\\n'; printf 'done' >&2" }, REQUEST, d)
    expect(d.log.infos).toEqual(['redeploy-command: rolling hongming', 'redeploy-command: rolling ana', 'redeploy-command: done'])
  })

  it('when the run may no longer act, the whole process group gets TERM, then KILL after the grace', async () => {
    const d = deps()
    const groups: (number | null)[] = []
    // The shell and its child ignore TERM: only KILL stops them.
    const command = "trap '' TERM; echo started; sleep 30; echo 'still rolling'"
    const error = await redeployFleet({ kind: 'command', command }, REQUEST, {
      ...d,
      ...refusedOnceStarted(d.log),
      killGraceMs: 200,
      onCommand: (pgid) => groups.push(pgid)
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedeployStopped)
    expect(groups).toEqual([expect.any(Number), null])
    expect(liveProcesses(groups[0]!)).toEqual([])
    expect(d.log.infos).not.toContain('redeploy-command: still rolling')
  })

  it('a command that stops on TERM gets to run its TERM handler', async () => {
    const d = deps()
    const command = "trap 'echo stopping cleanly; exit 0' TERM; echo started; sleep 30 & wait"
    const error = await redeployFleet({ kind: 'command', command }, REQUEST, { ...d, ...refusedOnceStarted(d.log), killGraceMs: 500 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedeployStopped)
    expect(d.log.infos).toContain('redeploy-command: stopping cleanly')
  })

  it('fails with the exit code and relays output through neutralize', async () => {
    const d = deps()
    const error = await redeployFleet({ kind: 'command', command: 'echo "::add-mask::x"; exit 3' }, REQUEST, d).catch((e) => e)
    expect(error.message).toBe('redeploy-command exited with code 3')
    expect(d.log.infos).toEqual(['redeploy-command: :\u200b:add-mask:\u200b:x'])
  })
})

/** The run may act until the command logged `started`; the heartbeat's sleeps yield, so the command's output gets through. */
function refusedOnceStarted(log: RecordingLogger) {
  const clock = new VirtualClock()
  const yielding = Object.assign(Object.create(clock) as VirtualClock, {
    sleep: (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => clock.sleep(ms, signal))
  })
  return { clock: yielding, heartbeatMs: 1, mayProceed: async () => !log.infos.includes('redeploy-command: started') }
}
