import { jest } from '@jest/globals'
import type { Ancestry } from '../../src/types.js'
import { createClassifier, type CompareCommits } from '../../src/fleet/classify.js'

const EXPECTED = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const OLDER = '7a72516bb1b2c3d4e5f60718293a4b5c6d7e8f90'
const NEWER = '9c0ffee0b1b2c3d4e5f60718293a4b5c6d7e8f90'
const ELSEWHERE = 'dead0000b1b2c3d4e5f60718293a4b5c6d7e8f90'

/** GitHub compare semantics: compare(expected, actual) === 'ahead' means actual descends from expected. */
function fakeCompare(relations: Record<string, Ancestry>) {
  return jest.fn<CompareCommits>(async (_base, head) => {
    const relation = relations[head]
    if (!relation) throw new Error(`unknown commit ${head}`)
    return relation
  })
}

function classifier(compare?: CompareCommits, allowRollback = false) {
  const warning = jest.fn<(message: string) => void>()
  return { warning, c: createClassifier({ expectedSha: EXPECTED, allowRollback, compare, log: { warning } }) }
}

describe('createClassifier', () => {
  it.each(['7f25373', '7F25373AA1', EXPECTED, EXPECTED.toUpperCase()])(
    'counts %s as converged by prefix, case-insensitively, without asking the forge',
    async (actual) => {
      const compare = fakeCompare({})
      expect(await classifier(compare).c.stateOf(actual)).toBe('converged')
      expect(compare).not.toHaveBeenCalled()
    }
  )

  it('tells ahead from stale through the forge: descendant ahead, older or unrelated stale', async () => {
    const compare = fakeCompare({ [NEWER]: 'ahead', [OLDER]: 'behind', [ELSEWHERE]: 'diverged' })
    const { c } = classifier(compare)
    expect(await c.stateOf(NEWER)).toBe('ahead')
    expect(await c.stateOf(OLDER)).toBe('stale')
    expect(await c.stateOf(ELSEWHERE)).toBe('stale')
    expect(compare).toHaveBeenCalledWith(EXPECTED, NEWER)
  })

  it('counts a newer commit as stale when the user is rolling back', async () => {
    const { c } = classifier(fakeCompare({ [NEWER]: 'ahead' }), true)
    expect(await c.stateOf(NEWER)).toBe('stale')
  })

  it('asks the forge once per distinct commit, however many tenants report it and across rounds', async () => {
    const compare = fakeCompare({ [NEWER]: 'ahead', [OLDER]: 'behind' })
    const { c } = classifier(compare)
    const actuals = Array.from({ length: 1_000 }, (_, i) => (i % 2 ? NEWER : OLDER.toUpperCase()))
    await Promise.all(actuals.map((sha) => c.stateOf(sha)))
    c.nextRound()
    await Promise.all(actuals.map((sha) => c.stateOf(sha)))
    expect(compare).toHaveBeenCalledTimes(2)
  })

  it('fails closed when the forge cannot answer: stale, warned once, asked again next round', async () => {
    let forgeDown = true
    const compare = jest.fn<CompareCommits>(async () => {
      if (forgeDown) throw new Error('HTTP 502 from the forge')
      return 'ahead'
    })
    const { c, warning } = classifier(compare)
    expect(await Promise.all([c.stateOf(NEWER), c.stateOf(NEWER)])).toEqual(['stale', 'stale'])
    c.nextRound()
    expect(await c.stateOf(NEWER)).toBe('stale')
    expect(compare).toHaveBeenCalledTimes(2)
    expect(warning).toHaveBeenCalledTimes(1)
    expect(warning.mock.calls[0][0]).toContain('could not tell whether 9c0ffee descends from 7f25373')
    forgeDown = false
    c.nextRound()
    expect(await c.stateOf(NEWER)).toBe('ahead')
  })

  it('without a compare, any other commit is stale', async () => {
    expect(await classifier(undefined).c.stateOf(NEWER)).toBe('stale')
  })
})
