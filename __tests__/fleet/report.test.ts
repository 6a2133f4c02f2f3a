import type { TenantReport } from '../../src/types.js'
import { failureLines, listNames, summarizeRound } from '../../src/fleet/report.js'

const EXPECTED = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

function report(name: string, fields: Partial<TenantReport>): TenantReport {
  return { name, state: 'converged', actual: EXPECTED, attempts: 1, seconds_to_converge: 0, error_class: null, regressed: false, ...fields }
}

describe('failureLines', () => {
  it('prints the incident line and the unreachable form with short SHAs', () => {
    const lines = failureLines(
      [
        report('ana', {}),
        report('hongming', { state: 'stale', actual: '7A72516CC0FFEE' }),
        report('bo', { state: 'unreachable', actual: null, error_class: 'refused' }),
        report('cy', { state: 'ahead', actual: '9c0ffee' })
      ],
      EXPECTED
    )
    expect(lines).toEqual(['hongming is stale: actual=7a72516, expected=7f25373', 'bo is unreachable: refused, expected=7f25373'])
  })
})

describe('summarizeRound', () => {
  it('says in one line how far the fleet is', () => {
    const reports = [...Array.from({ length: 7 }, (_, i) => report(`t${i}`, {})), report('hongming', { state: 'stale', actual: '7a72516' })]
    expect(summarizeRound(3, reports)).toBe('round 3: 7/8 converged, 1 not yet (hongming actual=7a72516)')
  })

  it('lists at most five names per state at fleet scale', () => {
    const reports = [
      ...Array.from({ length: 9_990 }, (_, i) => report(`s${i}`, { state: 'stale', actual: '7a72516' })),
      ...Array.from({ length: 10 }, (_, i) => report(`u${i}`, { state: 'unreachable', error_class: 'deadline' }))
    ]
    expect(summarizeRound(1, reports)).toBe(
      'round 1: 0/10000 converged, ' +
        '9990 not yet (s0 actual=7a72516, s1 actual=7a72516, s2 actual=7a72516, s3 actual=7a72516, s4 actual=7a72516 and 9985 more), ' +
        '10 unreachable (u0: deadline, u1: deadline, u2: deadline, u3: deadline, u4: deadline and 5 more)'
    )
  })
})

describe('listNames', () => {
  it('names at most ten, then counts', () => {
    expect(listNames(['a', 'b'])).toBe('a, b')
    expect(listNames(Array.from({ length: 12 }, (_, i) => `t${i}`))).toBe('t0, t1, t2, t3, t4, t5, t6, t7, t8, t9 and 2 more')
  })
})
