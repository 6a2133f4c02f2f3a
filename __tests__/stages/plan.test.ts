import type { Ancestry, TenantReport } from '../../src/types.js'
import { memoizeCompare, planRollout, tenantsToRoll } from '../../src/stages/plan.js'
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

  it('names the run it took the lock after when that run deployed a commit not proven older: newer, unrelated or uncomparable', async () => {
    const previous = (sha: string) => ({ runUrl: 'https://ci/runs/105', sha })
    const older = [tenant('older', 'stale', OLDER)]
    for (const sha of [NEWER, SIDE, UNKNOWN]) {
      const plan = await planRollout(older, EXPECTED, false, compareFrom([]), new RecordingLogger(), [previous(sha)])
      expect(plan.newerHolder).toEqual(previous(sha))
    }
    for (const sha of [OLDER, EXPECTED]) {
      const plan = await planRollout(older, EXPECTED, false, compareFrom([]), new RecordingLogger(), [previous(sha)])
      expect(plan.newerHolder).toBeUndefined()
    }
    // Rolling back on purpose weighs no commit.
    expect((await planRollout(older, EXPECTED, true, compareFrom([]), new RecordingLogger(), [previous(NEWER)])).newerHolder).toBeUndefined()
  })
})

describe('tenantsToRoll', () => {
  const plan = { proven: ['older'], ifOwner: ['down'], newer: [] }
  const notOwner = 'this run could not prove it owns the branch'

  it('rolls the proven and the unknown when the run owns the branch, whoever held the lock before', () => {
    expect(tenantsToRoll({ ...plan, newerHolder: { runUrl: 'https://ci/runs/105', sha: NEWER } }, null, new RecordingLogger())).toEqual(['older', 'down'])
  })

  it('rolls only the proven, and says why, when the run may not own the branch', () => {
    const log = new RecordingLogger()
    expect(tenantsToRoll(plan, notOwner, log)).toEqual(['older'])
    expect(log.warnings).toEqual([expect.stringContaining('not redeploying 1 tenant(s) whose commit is unknown or unrelated (down)')])
  })

  it('rolls nothing when the run may not own the branch and a tenant runs a newer commit', () => {
    const log = new RecordingLogger()
    expect(tenantsToRoll({ ...plan, newer: [{ name: 'newer', actual: NEWER }] }, notOwner, log)).toEqual([])
    expect(log.warnings).toEqual([expect.stringContaining('newer actual=9e1e7e5')])
  })

  it('rolls nothing when the run may not own the branch and the run it took the lock after deployed a commit not proven older', () => {
    const log = new RecordingLogger()
    expect(tenantsToRoll({ ...plan, newerHolder: { runUrl: 'https://ci/runs/105\u001b[31m', sha: NEWER } }, notOwner, log)).toEqual([])
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toContain('the run that held the lock before it (https://ci/runs/105')
    expect(log.warnings[0]).toContain('commit 9e1e7e5')
    expect(log.warnings[0]).not.toContain('\u001b')
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
