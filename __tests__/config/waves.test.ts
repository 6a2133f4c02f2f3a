import { parseWaveSpec, splitIntoWaves, withTenantWaves } from '../../src/config/waves.js'
import { InputError } from '../../src/util/errors.js'

describe('parseWaveSpec', () => {
  it('reads cumulative counts and percentages', () => {
    expect(parseWaveSpec('1, 10%, 100%')).toEqual({ kind: 'steps', steps: [{ count: 1 }, { percent: 10 }, { percent: 100 }] })
    expect(parseWaveSpec('')).toEqual({ kind: 'single' })
    expect(withTenantWaves(parseWaveSpec(''), true)).toEqual({ kind: 'per-tenant' })
  })

  it.each([
    ['0, 100%', "step 1 '0' must be a count"],
    ['1, ten, 100%', "step 2 'ten' must be a count"],
    ['1, 150%', "step 2 '150%' must be a count"],
    ['50%, 10%, 100%', 'steps are cumulative: 10% follows 50%'],
    ['5, 2, 100%', 'steps are cumulative: 2 follows 5'],
    ['1, 50%', "the last must reach every tenant: end with 100%, got '50%'"],
    ['1, 10', "the last must reach every tenant: end with 100%, got '10'"]
  ])('rejects %p, naming the input', (raw, problem) => {
    expect(() => parseWaveSpec(raw)).toThrow(InputError)
    expect(() => parseWaveSpec(raw)).toThrow(/^input 'waves': /)
    expect(() => parseWaveSpec(raw)).toThrow(problem)
  })

  it('refuses a spec and per-tenant waves together', () => {
    expect(() => withTenantWaves(parseWaveSpec('1, 100%'), true)).toThrow('input \'waves\': cannot be combined with a "wave" field')
  })
})

describe('splitIntoWaves', () => {
  const eight = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']

  it('rounds percentages up, so a canary step always holds a tenant, and drops steps that add nobody', () => {
    expect(splitIntoWaves(eight, [{ count: 1 }, { percent: 10 }, { percent: 50 }, { percent: 100 }])).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g', 'h']])
    expect(splitIntoWaves(eight, [{ percent: 10 }, { percent: 100 }])).toEqual([['a'], ['b', 'c', 'd', 'e', 'f', 'g', 'h']])
  })

  it('caps counts at the fleet and returns nothing for an empty list', () => {
    expect(splitIntoWaves(['a', 'b'], [{ count: 5 }, { percent: 100 }])).toEqual([['a', 'b']])
    expect(splitIntoWaves([], [{ count: 1 }, { percent: 100 }])).toEqual([])
  })

  it('splits 10,000 tenants 1 / 10% / 100% into 1, 999 and 9,000', () => {
    const fleet = Array.from({ length: 10_000 }, (_, i) => i)
    expect(splitIntoWaves(fleet, [{ count: 1 }, { percent: 10 }, { percent: 100 }]).map((w) => w.length)).toEqual([1, 999, 9_000])
  })
})
