import fc from 'fast-check'
import { planConnections } from '../../src/fleet/connection-plan.js'

const tenantsOn = (origins: readonly number[]) => origins.map((o, i) => ({ name: `t${i}`, url: `http://10.0.${o >> 8}.${o & 255}:8080/buildinfo` }))

describe('planConnections', () => {
  it('never plans more connections than the concurrency, and at most one per tenant of an origin', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 128 }), (origins, concurrency) => {
        const tenants = tenantsOn(origins)
        const plan = planConnections(tenants, concurrency)
        const total = [...plan.perOrigin.values()].reduce((a, b) => a + b, 0)
        expect(total).toBeLessThanOrEqual(concurrency)
        for (const [origin, n] of plan.perOrigin) {
          expect(n).toBeGreaterThanOrEqual(1)
          expect(n).toBeLessThanOrEqual(tenants.filter((t) => new URL(t.url).origin === origin).length)
        }
        expect(plan.keepAlive).toBe(new Set(origins).size <= concurrency)
        for (const origin of plan.singleTenant) expect(tenants.filter((t) => new URL(t.url).origin === origin)).toHaveLength(1)
      })
    )
  })

  it('gives a host with many tenants most of the workers', () => {
    const plan = planConnections(tenantsOn([...Array(990).fill(1), ...Array.from({ length: 10 }, (_, i) => i + 2)]), 64)
    expect(plan.perOrigin.get('http://10.0.0.1:8080')).toBe(1 + Math.floor((53 * 990) / 1000))
    expect(plan.perOrigin.get('http://10.0.0.2:8080')).toBe(1)
  })
})
