import type { Ancestry, TenantReport } from '../../src/core/types.js'
import { memoizeCompare, planRollout } from '../../src/stages/plan.js'
import { FleetError } from '../../src/util/errors.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'

const EXPECTED = '7f25373' + '0'.repeat(33)
const OLDER = '7a72516' + '0'.repeat(33)
const NEWER = '9e1e7e5' + '0'.repeat(33)
const SIDE = 'c0ffee0' + '0'.repeat(33)
const UNKNOWN = 'deadbee' + '0'.repeat(33)

function tenant(name: string, state: TenantReport['state'], actual: string | null): TenantReport {
  return { name, state, actual, attempts: 1, seconds_to_converge: null, error_class: state === 'unreachable' ? 'refused' : null, regressed: false }
}

const RELATIONS: Record<string, Ancestry> = { [OLDER]: 'behind', [NEWER]: 'ahead', [SIDE]: 'diverged', [EXPECTED]: 'identical' }

function compareFrom(calls: string[]) {
  return async (_base: string, head: string): Promise<Ancestry> => {
    calls.push(head)
    const relation = RELATIONS[head]
    if (!relation) throw new FleetError('GET /compare answered HTTP 502', 'http_5xx')
    return relation
  }
}

const FLEET = [
  tenant('healthy', 'converged', EXPECTED),
  tenant('older', 'stale', OLDER),
  tenant('older-too', 'stale', OLDER),
  tenant('newer', 'ahead', NEWER),
  tenant('hotfix', 'stale', SIDE),
  tenant('down', 'unreachable', null),
  tenant('unknown', 'stale', UNKNOWN)
]

describe('planRollout', () => {
  it('rolls tenants proven behind; tenants of unknown or unrelated commit only if the run owns the branch; never the uncomparable', async () => {
    const calls: string[] = []
    const log = new RecordingLogger()
    expect(await planRollout(FLEET, EXPECTED, false, compareFrom(calls), log)).toEqual({
      proven: ['older', 'older-too'],
      ifOwner: ['hotfix', 'down'],
      newer: [
        { name: 'newer', actual: NEWER },
        { name: 'unknown', actual: UNKNOWN }
      ]
    })
    expect(calls.sort()).toEqual([OLDER, SIDE, UNKNOWN].sort())
    expect(log.warnings).toEqual([expect.stringContaining('not redeploying 1 tenant(s) whose commit could not be compared with 7f25373: unknown')])
  })

  it('treats a tenant that never answered with a commit as unknown, whatever its state', async () => {
    const blip = [tenant('blip', 'unreachable', null), tenant('pending', 'pending', null), tenant('bad-payload', 'stale', null)]
    expect(await planRollout(blip, EXPECTED, false, compareFrom([]), new RecordingLogger())).toEqual({
      proven: [],
      ifOwner: ['blip', 'pending', 'bad-payload'],
      newer: []
    })
  })

  it('rolls everything but the healthy tenants when rolling back on purpose', async () => {
    expect(await planRollout(FLEET, EXPECTED, true, compareFrom([]), new RecordingLogger())).toEqual({
      proven: ['older', 'older-too', 'newer', 'hotfix', 'down', 'unknown'],
      ifOwner: [],
      newer: []
    })
  })
})

describe('memoizeCompare', () => {
  it('asks each pair once and asks again after a failure', async () => {
    let failures = 1
    const calls: string[] = []
    const compare = memoizeCompare(async (base, head) => {
      calls.push(`${base}...${head}`)
      if (failures-- > 0) throw new Error('502')
      return 'ahead'
    })
    await expect(compare('a', 'b')).rejects.toThrow('502')
    expect(await compare('a', 'b')).toBe('ahead')
    expect(await compare('A', 'B')).toBe('ahead')
    expect(calls).toEqual(['a...b', 'a...b'])
  })
})
