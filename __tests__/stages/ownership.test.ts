import { createForge } from '../../src/forge/detect.js'
import type { Forge } from '../../src/forge/types.js'
import { checkOwnership, OwnershipGuard } from '../../src/stages/ownership.js'
import { FleetError, InputError } from '../../src/util/errors.js'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { BASE, MemoryForge, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

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

describe.each(RUNNER_FORGES)('checkOwnership on $kind: a head that is not there is a wrong name, not an unreadable head', (runner) => {
  let fake: FakeForgeServer
  beforeEach(async () => {
    fake = await startIncidentForge(runner.start(runner.token))
  })
  afterEach(() => fake.close())

  const adapter = (repository = 'acme/fleet'): Forge =>
    createForge(
      runner.kind,
      { repository, apiUrl: fake.apiUrl, serverUrl: fake.url, token: runner.token, giteaActions: runner.kind === 'gitea', tuning: { attempts: 1 } },
      new VirtualClock(Date.UTC(2026, 0, 1))
    )

  async function failure(branch: string | null, repository?: string): Promise<FleetError> {
    const log = new RecordingLogger()
    const error: unknown = await checkOwnership(adapter(repository), branch, NEWER, log).then(
      () => new Error('ownership did not fail'),
      (thrown: unknown) => thrown
    )
    // Nothing failed open: no warning says the run continues as owner.
    expect(log.warnings).toEqual([])
    if (!(error instanceof FleetError)) throw error
    return error
  }

  it("a branch that does not exist in a readable repository is input 'branch', naming the default branch", async () => {
    const error = await failure('mian')
    expect(error).toBeInstanceOf(InputError)
    expect(error.errorClass).toBe('input')
    expect(error.message).toMatch(
      /^input 'branch': branch 'mian' does not exist in acme\/fleet \(GET \/repos\/acme\/fleet\/.*mian answered 404; its default branch is 'main'\)/
    )
  })

  it.each([
    ['the branch given', 'main'],
    ['the default branch', null]
  ])('a repository the token cannot see is not_found, asked for %s', async (_, branch) => {
    const error = await failure(branch, 'acme/secret')
    expect(error.errorClass).toBe('not_found')
    expect(error.message).toContain("repository 'acme/secret' cannot be seen with this token (GET /repos/acme/secret")
    expect(error.message).toContain('it is private and the token has no access to it, the name is wrong, or the token belongs to another installation or user')
    expect(error.message).toContain(runner.kind === 'github' ? 'GitHub App installation token' : 'scope write:repository')
  })

  it('still fails open on a 404 for the head when the repository cannot be read (5xx) to tell which name is wrong', async () => {
    fake.failNext(runner.headPath, { status: 404 })
    fake.failNext(/^(\/api\/v1)?\/repos\/acme\/fleet$/, { status: 502 })
    const log = new RecordingLogger()
    expect(await checkOwnership(adapter(), 'main', NEWER, log)).toMatchObject({ superseded: false, head: null })
    expect(log.warnings).toEqual([expect.stringContaining("could not read the head of branch 'main' (http_4xx:")])
  })
})
