import { createFleetProber } from '../../src/fleet/prober.js'
import type { ProbeResult } from '../../src/fleet/probe.js'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const names = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('createFleetProber', () => {
  let fleet: FakeFleet
  beforeEach(async () => {
    fleet = await startFakeFleet({ sha: SHA })
  })
  afterEach(async () => {
    await fleet.close()
  })

  it('probes every tenant once with no more sockets than the concurrency, and reuses them next round', async () => {
    const tenants = fleet.tenants(names(500))
    const prober = createFleetProber(tenants, DEFAULT_SHA_FIELDS, { concurrency: 8 })
    const results = new Map<string, ProbeResult>()
    try {
      await prober.probe(tenants, (t, r) => results.set(t.name, r))
      expect(results.size).toBe(500)
      expect([...results.values()].every((r) => r.sha === SHA)).toBe(true)
      expect(fleet.stats().maxConnections).toBeLessThanOrEqual(8)
      const opened = fleet.stats().connectionsOpened
      await prober.probe(tenants, () => undefined)
      expect(fleet.stats().connectionsOpened).toBe(opened)
      expect(fleet.stats().requests).toBe(1_000)
    } finally {
      await prober.close()
    }
  })

  it('with more hosts than workers, keeps no idle socket: each closes after its answer', async () => {
    const hosts = await Promise.all(Array.from({ length: 6 }, () => startFakeFleet({ sha: SHA })))
    const tenants = hosts.flatMap((host, h) => host.tenants(names(5, `h${h}-`)))
    const prober = createFleetProber(tenants, DEFAULT_SHA_FIELDS, { concurrency: 4 })
    let answered = 0
    try {
      await prober.probe(tenants, (_t, r) => void (r.sha === SHA && answered++))
      expect(answered).toBe(30)
      for (const host of hosts) {
        const stats = host.stats()
        expect(stats.maxConnections).toBeLessThanOrEqual(4)
        expect(stats.connectionsOpened).toBe(stats.requests)
      }
    } finally {
      await prober.close()
      await Promise.all(hosts.map((host) => host.close()))
    }
  })

  it('with more hosts than workers, a tenant that hangs never holds up the other tenants of its host', async () => {
    const hosts = await Promise.all(Array.from({ length: 6 }, () => startFakeFleet({ sha: SHA })))
    hosts[0].set('h0-0', { hang: true })
    const tenants = [...hosts[0].tenants(names(4, 'h0-')), ...hosts.slice(1).map((host, h) => host.tenants([`solo${h}`])[0])]
    const prober = createFleetProber(tenants, DEFAULT_SHA_FIELDS, { concurrency: 4, requestTimeoutMs: 500 })
    const classes = new Map<string, string | null>()
    try {
      await prober.probe(tenants, (t, r) => classes.set(t.name, r.errorClass))
      expect(classes.get('h0-0')).toBe('deadline')
      expect([...classes].filter(([name]) => name !== 'h0-0').every(([, errorClass]) => errorClass === null)).toBe(true)
      expect(classes.size).toBe(tenants.length)
    } finally {
      await prober.close()
      await Promise.all(hosts.map((host) => host.close()))
    }
  })

  it('stops at once when cancelled: no new probes, no results for cancelled ones', async () => {
    for (const name of names(20, 'h')) fleet.set(name, { hang: true })
    const tenants = fleet.tenants(names(20, 'h'))
    const prober = createFleetProber(tenants, DEFAULT_SHA_FIELDS, { concurrency: 4, requestTimeoutMs: 60_000 })
    const controller = new AbortController()
    const results: string[] = []
    try {
      const probing = prober.probe(tenants, (t) => results.push(t.name), controller.signal)
      while (fleet.stats().requests < 4) await new Promise((resolve) => setImmediate(resolve))
      controller.abort(new Error('cancelled'))
      await probing
    } finally {
      await prober.close()
    }
    expect(results).toEqual([])
    expect(fleet.stats().requests).toBe(4)
  })
})
