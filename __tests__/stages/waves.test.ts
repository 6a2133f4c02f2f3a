import type { Tenant } from '../../src/types.js'
import { planWaves } from '../../src/stages/waves.js'

const fleet = (names: string[], waves?: number[]): Tenant[] =>
  names.map((name, i) => ({ name, url: `http://127.0.0.1/${name}`, ...(waves ? { wave: waves[i] } : {}) }))
const names = (tenants: readonly Tenant[]) => tenants.map((t) => t.name)

describe('planWaves', () => {
  it('one wave by default, rolling only the tenants planned', () => {
    const waves = planWaves(fleet(['a', 'b', 'c']), ['b'], { kind: 'single' })
    expect(waves.map((w) => ({ index: w.index, tenants: names(w.tenants), toRoll: w.toRoll }))).toEqual([{ index: 1, tenants: ['a', 'b', 'c'], toRoll: ['b'] }])
  })

  it('lists the tenants to roll in fleet order, whatever order they were planned in', () => {
    const waves = planWaves(fleet(['a', 'b', 'c', 'd']), ['d', 'b', 'a'], { kind: 'steps', steps: [{ count: 1 }, { percent: 100 }] })
    expect(waves.map((w) => w.toRoll)).toEqual([['a'], ['b', 'd']])
  })

  it('splits the tenants to roll by the steps; tenants needing no redeploy are verified with the last wave', () => {
    const waves = planWaves(fleet(['a', 'b', 'c', 'd', 'e']), ['b', 'c', 'e'], { kind: 'steps', steps: [{ count: 1 }, { percent: 100 }] })
    expect(waves.map((w) => [names(w.tenants), w.toRoll])).toEqual([
      [['b'], ['b']],
      [
        ['c', 'e', 'a', 'd'],
        ['c', 'e']
      ]
    ])
  })

  it('keeps a single verify-only wave when nothing is to roll', () => {
    const waves = planWaves(fleet(['a', 'b']), [], { kind: 'steps', steps: [{ count: 1 }, { percent: 100 }] })
    expect(waves.map((w) => [names(w.tenants), w.toRoll])).toEqual([[['a', 'b'], []]])
  })

  it('follows the wave field of each tenant, in wave order, whether rolled or not', () => {
    const waves = planWaves(fleet(['a', 'b', 'c', 'd'], [3, 1, 3, 1]), ['a', 'd'], { kind: 'per-tenant' })
    expect(waves.map((w) => [w.index, names(w.tenants), w.toRoll])).toEqual([
      [1, ['b', 'd'], ['d']],
      [2, ['a', 'c'], ['a']]
    ])
  })
})
