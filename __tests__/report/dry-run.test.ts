import { dryRunPlanLines } from '../../src/report/dry-run.js'
import type { Wave } from '../../src/stages/waves.js'

const wave = (index: number, names: readonly string[], toRoll: readonly string[] = names): Wave => ({
  index,
  tenants: names.map((name) => ({ name, url: `https://${name}.example/buildinfo` })),
  toRoll
})

describe('a dry run plan in the log', () => {
  it('puts a short wave on one line, each tenant from → to', () => {
    const lines = dryRunPlanLines([wave(1, ['ana', 'bo'], ['ana']), wave(2, ['cy'], [])], () => '7a72516', '7f25373')
    expect(lines).toEqual([
      'dry run, wave 1 of 2: would roll 1 (ana 7a72516 → 7f25373), then verify 2 tenant(s)',
      'dry run, wave 2 of 2: would roll 0, then verify 1 tenant(s)'
    ])
  })

  it('names every tenant of a long wave, grouped by the commit it rolls from, 20 to a line', () => {
    const names = Array.from({ length: 45 }, (_, i) => `t${i}`)
    const from = (name: string) => (name === 't7' ? 'unknown (unreachable: dns)' : '7a72516')
    const lines = dryRunPlanLines([wave(1, names)], from, '7f25373')
    expect(lines[0]).toBe('dry run, the fleet: would roll 45 to 7f25373, then verify 45 tenant(s):')
    expect(lines.slice(1).map((line) => line.replace(/: .*/, ''))).toEqual([
      '  from 7a72516 (44)',
      '  from 7a72516 (44)',
      '  from 7a72516 (44)',
      '  from unknown (unreachable'
    ])
    const named = lines.slice(1).flatMap((line) => line.replace(/^ {2}from .*?\(\d+\): /, '').split(', '))
    expect(named.sort()).toEqual([...names].sort())
  })
})
