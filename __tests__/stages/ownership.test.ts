import { checkOwnership, OwnershipGuard } from '../../src/stages/ownership.js'
import { BASE, MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'

const SIDE = 'c0ffee0' + '0'.repeat(33)

function incidentForge(head: string): MemoryForge {
  return new MemoryForge().commit(BASE).commit(OLDER, BASE).commit(NEWER, OLDER).commit(SIDE, BASE).setBranch('main', head)
}

describe('checkOwnership', () => {
  it('owns the branch while its head is the run commit (short or full, any case)', async () => {
    const log = new RecordingLogger()
    const verdict = await checkOwnership(incidentForge(NEWER), 'main', NEWER.slice(0, 7).toUpperCase(), log)
    expect(verdict).toMatchObject({ superseded: false, head: NEWER, relation: 'identical' })
  })

  it('is superseded by a newer commit and says it is ahead (the incident: 7a72516 runs after 7f25373 landed)', async () => {
    const verdict = await checkOwnership(incidentForge(NEWER), 'main', OLDER, new RecordingLogger())
    expect(verdict.superseded).toBe(true)
    expect(verdict.head).toBe(NEWER)
    expect(verdict.relation).toBe('ahead')
    expect(verdict.message).toBe("superseded: branch 'main' is owned by 7f25373 (ahead of this run's 7a72516); this run skips every side effect")
  })

  it('reports a head behind the run commit and a diverged head', async () => {
    expect((await checkOwnership(incidentForge(OLDER), 'main', NEWER, new RecordingLogger())).message).toContain("(behind this run's 7f25373)")
    expect((await checkOwnership(incidentForge(SIDE), 'main', NEWER, new RecordingLogger())).message).toContain("(diverged from this run's 7f25373)")
  })

  it('fails open with a classified warning when the head cannot be read', async () => {
    const forge = incidentForge(NEWER)
    forge.failReads = 1
    const log = new RecordingLogger()
    const verdict = await checkOwnership(forge, 'main', OLDER, log)
    expect(verdict).toMatchObject({ superseded: false, head: null })
    expect(log.warnings).toEqual([expect.stringContaining("could not read the head of branch 'main' (http_5xx:")])
  })
})

describe('OwnershipGuard', () => {
  it('stays superseded once a newer commit was seen, even if the branch moves back', async () => {
    const forge = incidentForge(OLDER)
    const guard = new OwnershipGuard(forge, 'main', OLDER, new RecordingLogger())
    expect(await guard.stillOwner()).toBe(true)
    forge.setBranch('main', NEWER)
    expect(await guard.stillOwner()).toBe(false)
    forge.setBranch('main', OLDER)
    expect(await guard.stillOwner()).toBe(false)
    expect(guard.verdict?.head).toBe(NEWER)
  })
})

describe('OwnershipGuard without a branch input', () => {
  it('names the default branch it read, reads it once, and warns once about a head that stays unreadable', async () => {
    const forge = incidentForge(NEWER)
    let defaultReads = 0
    const readDefault = forge.defaultBranch.bind(forge)
    forge.defaultBranch = () => (defaultReads++, readDefault())
    const log = new RecordingLogger()
    const guard = new OwnershipGuard(forge, null, NEWER, log)
    expect((await guard.check()).message).toBe("branch 'main' is at 7f25373: this run owns it")
    forge.failReads = 2
    await guard.check()
    await guard.check()
    expect(defaultReads).toBe(1)
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toMatch(/^could not read the head of branch 'main' \(http_5xx/)
    expect(guard.proven).toBe(false)
  })
})
