import type { Ancestry } from '../../src/types.js'
import { RegistryError } from '../../src/registry/errors.js'
import { promoteTag, resolveImageRevision, type PromoteOptions } from '../../src/stages/promote.js'
import { pushImage, putManifest, readTag, type PushImageOptions, type StoredManifest } from '../../test/support/registry-push.js'
import {
  recordingDispatcher,
  recordingLogger,
  startRegistry,
  steppingClock,
  type RecordingDispatcher,
  type RunningRegistry
} from '../../test/support/registry.js'

// The incident's commits, in history order: BASE → OLD (7a72516) → NEW (7f25373); SIDE branches off BASE.
const BASE = '3c1e0b9d8a7f6e5d4c3b2a1908f7e6d5c4b3a291'
const OLD = '7a72516c3f0e6d2b9a8f4e1d0c9b8a7f6e5d4c3b'
const NEW = '7f25373a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e'
const SIDE = 'dd1e5ed0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'
const HISTORY = [BASE, OLD, NEW]

/** The forge's answer for this tiny history: where `head` stands relative to `base`. */
async function compare(base: string, head: string): Promise<Ancestry> {
  if (base === head) return 'identical'
  const b = HISTORY.indexOf(base)
  const h = HISTORY.indexOf(head)
  if (b < 0 || h < 0) return base === BASE || head === BASE ? (b < 0 ? 'behind' : 'ahead') : 'diverged'
  return h > b ? 'ahead' : 'behind'
}

const USER = { username: 'deployer', password: 'correct-horse-battery' }

describe('promoteTag against docker-registry', () => {
  let registry: RunningRegistry
  let recorder: RecordingDispatcher
  let repoCount = 0
  let repository: string

  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => registry.stop())
  beforeEach(() => {
    recorder = recordingDispatcher()
    repository = `fleet/app${++repoCount}`
  })
  afterEach(async () => {
    // eslint-disable-next-line jest/no-standalone-expect -- every test must leave no error behind in the recorder's hooks
    expect(recorder.hookErrors).toEqual([])
    await recorder.close()
  })

  const push = (tag: string, revision: string | null, shape: Partial<PushImageOptions> = {}): Promise<StoredManifest> =>
    pushImage(registry, { repository, tag, revision, ...shape })
  const options = (overrides: Partial<PromoteOptions> = {}): PromoteOptions => ({
    image: `${registry.host}/${repository}`,
    sourceTag: 'staging-7f25373',
    promoteTag: 'latest',
    expectedSha: NEW,
    allowRollback: false,
    dryRun: false,
    compare,
    stillOwner: async () => true,
    clock: steppingClock(),
    log: recordingLogger(),
    dispatcher: recorder.dispatcher,
    ...overrides
  })
  const puts = (r: RecordingDispatcher = recorder): string[] => r.requests.filter((q) => q.method === 'PUT').map((q) => q.path)
  const latest = async (): Promise<string | undefined> => (await readTag(registry, repository, 'latest'))?.digest

  it('moves latest forward to a descendant and reads it back', async () => {
    const base = await push('latest', BASE)
    const source = await push('staging-7f25373', NEW)
    const outcome = await promoteTag(options())
    expect(outcome.status).toBe('promoted')
    expect(outcome.before).toEqual({ digest: base.digest, revision: BASE })
    expect(outcome.after).toEqual({ digest: source.digest, revision: NEW })
    expect(outcome.message).toContain('commit 3c1e0b9')
    expect(outcome.message).toContain('commit 7f25373')
    expect(await latest()).toBe(source.digest)
    expect(puts()).toEqual([`/v2/${repository}/manifests/latest`])
  })

  it('creates latest when it does not exist yet', async () => {
    const source = await push('staging-7f25373', NEW)
    const outcome = await promoteTag(options())
    expect(outcome).toMatchObject({ status: 'promoted', before: null, after: { digest: source.digest, revision: NEW } })
    expect(await latest()).toBe(source.digest)
  })

  it('writes nothing when latest already has the same digest', async () => {
    const source = await push('staging-7f25373', NEW)
    await putManifest(registry, repository, 'latest', source)
    let ownerChecks = 0
    const outcome = await promoteTag(options({ stillOwner: async () => ++ownerChecks > 0 }))
    expect(outcome.status).toBe('unchanged')
    expect(outcome.before).toEqual({ digest: source.digest, revision: NEW })
    expect(outcome.after).toEqual(outcome.before)
    expect(puts()).toEqual([])
    expect(ownerChecks).toBe(0)
  })

  it('refuses to move latest backward and leaves it untouched', async () => {
    const current = await push('latest', NEW)
    await push('staging-7a72516', OLD)
    const outcome = await promoteTag(options({ sourceTag: 'staging-7a72516', expectedSha: OLD }))
    expect(outcome.status).toBe('blocked')
    expect(outcome.before).toEqual({ digest: current.digest, revision: NEW })
    expect(outcome.after).toEqual(outcome.before)
    expect(outcome.message).toContain('7f25373, which is newer than the expected 7a72516')
    expect(outcome.message).toContain('allow-rollback: true')
    expect(await latest()).toBe(current.digest)
    expect(puts()).toEqual([])
  })

  it('refuses to move latest to a commit diverged from the one it points at', async () => {
    const current = await push('latest', SIDE)
    await push('staging-7f25373', NEW)
    const outcome = await promoteTag(options())
    expect(outcome.status).toBe('blocked')
    expect(outcome.message).toContain('has diverged from')
    expect(await latest()).toBe(current.digest)
  })

  it('moves latest backward when allow-rollback is set, with a warning', async () => {
    await push('latest', NEW)
    const source = await push('staging-7a72516', OLD)
    const log = recordingLogger()
    const outcome = await promoteTag(options({ sourceTag: 'staging-7a72516', expectedSha: OLD, allowRollback: true, log }))
    expect(outcome.status).toBe('promoted')
    expect(outcome.after).toEqual({ digest: source.digest, revision: OLD })
    expect(await latest()).toBe(source.digest)
    expect(log.lines.some((l) => l.startsWith('warning: ') && l.includes('allow-rollback'))).toBe(true)
  })

  it('blocks when the image latest points at records no revision, unless allow-rollback', async () => {
    const unlabeled = await push('latest', null)
    const source = await push('staging-7f25373', NEW)
    const blocked = await promoteTag(options())
    expect(blocked.status).toBe('blocked')
    expect(blocked.before).toEqual({ digest: unlabeled.digest, revision: null })
    expect(blocked.message).toContain('cannot be proven forward')
    expect(await latest()).toBe(unlabeled.digest)
    expect(puts()).toEqual([])

    const allowed = await promoteTag(options({ allowRollback: true }))
    expect(allowed.status).toBe('promoted')
    expect(await latest()).toBe(source.digest)
  })

  it('blocks a source image that records no revision, unless allow-rollback', async () => {
    const base = await push('latest', BASE)
    const source = await push('staging-7f25373', null)
    const blocked = await promoteTag(options())
    expect(blocked.status).toBe('blocked')
    expect(blocked.message).toContain(`${registry.host}/${repository}:staging-7f25373 records no commit`)
    expect(await latest()).toBe(base.digest)

    const allowed = await promoteTag(options({ allowRollback: true }))
    expect(allowed).toMatchObject({ status: 'promoted', after: { digest: source.digest, revision: null } })
  })

  it('blocks a source image built from another commit than expected, even with allow-rollback', async () => {
    const base = await push('latest', BASE)
    await push('staging-7f25373', OLD)
    const outcome = await promoteTag(options({ allowRollback: true }))
    expect(outcome.status).toBe('blocked')
    expect(outcome.message).toContain('was built from 7a72516, not the expected 7f25373')
    expect(await latest()).toBe(base.digest)
    expect(puts()).toEqual([])
  })

  it('fails with MANIFEST_UNKNOWN naming image:tag and registry when the source tag is missing', async () => {
    await push('latest', BASE)
    const failure = promoteTag(options())
    await expect(failure).rejects.toBeInstanceOf(RegistryError)
    await expect(failure).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN', errorClass: 'registry' })
    await expect(failure).rejects.toThrow(`${registry.host}/${repository}:staging-7f25373`)
    expect(puts()).toEqual([])
  })

  it.each([
    ['an OCI manifest', { format: 'oci' as const }],
    ['a Docker schema 2 manifest', { format: 'docker' as const }],
    ['an OCI index', { format: 'oci' as const, index: true }],
    ['a Docker manifest list', { format: 'docker' as const, index: true }],
    ['an OCI index annotated with the revision', { format: 'oci' as const, index: true, revisionIn: 'annotation' as const }]
  ])('copies %s byte for byte', async (_name, shape) => {
    await push('latest', BASE, shape)
    const source = await push('staging-7f25373', NEW, shape)
    const outcome = await promoteTag(options())
    expect(outcome.status).toBe('promoted')
    const copied = await readTag(registry, repository, 'latest')
    expect(copied?.digest).toBe(source.digest)
    expect(copied?.mediaType).toBe(source.mediaType)
    expect(copied?.bytes.equals(source.bytes)).toBe(true)
  })

  it('does nothing as superseded when ownership is lost just before the write', async () => {
    const base = await push('latest', BASE)
    await push('staging-7f25373', NEW)
    let requestsAtCheck = -1
    const outcome = await promoteTag(
      options({
        stillOwner: async () => {
          requestsAtCheck = recorder.requests.length
          return false
        }
      })
    )
    expect(outcome.status).toBe('superseded')
    expect(outcome.after).toEqual({ digest: base.digest, revision: BASE })
    expect(requestsAtCheck).toBe(recorder.requests.length)
    expect(requestsAtCheck).toBeGreaterThan(0)
    expect(puts()).toEqual([])
    expect(await latest()).toBe(base.digest)
  })

  it('plans without writing on a dry run', async () => {
    const base = await push('latest', BASE)
    await push('staging-7f25373', NEW)
    let ownerChecks = 0
    const outcome = await promoteTag(options({ dryRun: true, stillOwner: async () => ++ownerChecks > 0 }))
    expect(outcome.status).toBe('planned')
    expect(outcome.message).toMatch(/^dry run: would move .*:latest from sha256:\w{12} \(commit 3c1e0b9\) to sha256:\w{12} \(commit 7f25373\)$/)
    expect(puts()).toEqual([])
    expect(ownerChecks).toBe(0)
    expect(await latest()).toBe(base.digest)
  })

  it('reports a tag moved by another writer between the write and the read-back, without overwriting it again', async () => {
    await push('latest', BASE)
    await push('staging-7f25373', NEW)
    const other = await push('other-writer', SIDE)
    let wrote = false
    recorder.before = async (request) => {
      if (request.method === 'PUT') wrote = true
      else if (wrote && request.path === `/v2/${repository}/manifests/latest`) {
        recorder.before = null
        await putManifest(registry, repository, 'latest', other)
      }
    }
    const outcome = await promoteTag(options())
    expect(outcome.status).toBe('conflict')
    expect(outcome.after).toEqual({ digest: other.digest, revision: SIDE })
    expect(outcome.message).toContain('another writer moved it, not overwritten again')
    expect(puts()).toEqual([`/v2/${repository}/manifests/latest`])
    expect(await latest()).toBe(other.digest)
  })

  it('resolves the revision of a tag for expected-sha, and null when the image records none', async () => {
    await push('staging-latest', NEW, { index: true })
    await push('unlabeled', null)
    const access = { clock: steppingClock(), dispatcher: recorder.dispatcher }
    expect(await resolveImageRevision(`${registry.host}/${repository}`, 'staging-latest', access)).toBe(NEW)
    expect(await resolveImageRevision(`${registry.host}/${repository}`, 'unlabeled', access)).toBeNull()
  })

  describe('the incident: 7a72516 then 7f25373, both runs deploying', () => {
    it('the older, superseded run never moves latest while both run, and a late older promote is refused', async () => {
      const base = await push('latest', BASE)
      await push('staging-7a72516', OLD)
      const newer = await push('staging-7f25373', NEW)
      const branchHead: string = NEW // the newer push owns the deploy branch
      const olderRun = recordingDispatcher()
      const samples: (string | undefined)[] = []
      // Sample latest before every request either run sends.
      const sample = async (): Promise<void> => void samples.push(await latest())
      // The newer run's write waits until the older run has made its decision to write or not,
      // so both are in flight together, as in the incident.
      let olderReachedWrite!: () => void
      const olderAtWrite = new Promise<void>((resolve) => (olderReachedWrite = resolve))
      recorder.before = async (request) => {
        await sample()
        if (request.method === 'PUT') await olderAtWrite
      }
      olderRun.before = sample
      try {
        const [older, newerOutcome] = await Promise.all([
          promoteTag(
            options({
              sourceTag: 'staging-7a72516',
              expectedSha: OLD,
              stillOwner: async () => {
                olderReachedWrite()
                return branchHead === OLD
              },
              dispatcher: olderRun.dispatcher
            })
          ).finally(() => olderReachedWrite()), // never hold the newer run if the older one ends early
          promoteTag(options({ stillOwner: async () => branchHead === NEW }))
        ])
        recorder.before = null
        olderRun.before = null
        expect(olderRun.hookErrors).toEqual([])
        expect(older.status).toBe('superseded')
        expect(older.before).toEqual({ digest: base.digest, revision: BASE })
        expect(puts(olderRun)).toEqual([])
        expect(newerOutcome.status).toBe('promoted')
        expect(samples.length).toBeGreaterThan(4)
        expect(samples.every((d) => d === base.digest || d === newer.digest)).toBe(true)
        expect(await latest()).toBe(newer.digest)

        // A run for the older commit that still believes it owns the branch (e.g. ownership failed open).
        const late = await promoteTag(options({ sourceTag: 'staging-7a72516', expectedSha: OLD, dispatcher: olderRun.dispatcher }))
        expect(late.status).toBe('blocked')
        expect(late.before).toEqual({ digest: newer.digest, revision: NEW })
        expect(late.message).toContain('which is newer than the expected 7a72516')
        expect(puts(olderRun)).toEqual([])
        expect(await latest()).toBe(newer.digest)
      } finally {
        await olderRun.close()
      }
    })
  })
})

describe('promoteTag with registry authentication', () => {
  it('promotes on a basic-auth registry, and a wrong password fails classified without leaking it', async () => {
    const registry = await startRegistry({ auth: 'basic', users: [USER] })
    const recorder = recordingDispatcher()
    try {
      await pushImage(registry, { repository: 'app', tag: 'latest', revision: BASE })
      const source = await pushImage(registry, { repository: 'app', tag: 'staging-7f25373', revision: NEW })
      const base: PromoteOptions = {
        image: `${registry.host}/app`,
        sourceTag: 'staging-7f25373',
        promoteTag: 'latest',
        expectedSha: NEW,
        allowRollback: false,
        dryRun: false,
        compare,
        stillOwner: async () => true,
        clock: steppingClock(),
        log: recordingLogger(),
        dispatcher: recorder.dispatcher
      }
      const password = 'definitely-wrong-7731'
      const log = recordingLogger()
      const failure = promoteTag({ ...base, credentials: { ...USER, password }, log })
      await expect(failure).rejects.toMatchObject({ code: 'UNAUTHORIZED', errorClass: 'registry' })
      const error = (await failure.catch((e: unknown) => e)) as Error
      expect(error.message).toContain(`${registry.host}/app:staging-7f25373`)
      expect(error.message).not.toContain(password)
      expect(log.lines.join('\n')).not.toContain(password)
      expect((await readTag(registry, 'app', 'latest'))?.digest).not.toBe(source.digest)

      const outcome = await promoteTag({ ...base, credentials: USER })
      expect(outcome.status).toBe('promoted')
      expect((await readTag(registry, 'app', 'latest'))?.digest).toBe(source.digest)
    } finally {
      await recorder.close()
      await registry.stop()
    }
  })

  it('promotes on a token-auth registry through the Bearer challenge', async () => {
    const registry = await startRegistry({ auth: 'token', users: [USER] })
    const recorder = recordingDispatcher()
    try {
      await pushImage(registry, { repository: 'team/app', tag: 'latest', revision: BASE, index: true })
      const source = await pushImage(registry, { repository: 'team/app', tag: 'staging-7f25373', revision: NEW, index: true })
      const log = recordingLogger()
      const outcome = await promoteTag({
        image: `${registry.host}/team/app`,
        sourceTag: 'staging-7f25373',
        promoteTag: 'latest',
        expectedSha: NEW,
        allowRollback: false,
        dryRun: false,
        credentials: USER,
        compare,
        stillOwner: async () => true,
        clock: steppingClock(),
        log,
        dispatcher: recorder.dispatcher
      })
      expect(outcome.status).toBe('promoted')
      expect((await readTag(registry, 'team/app', 'latest'))?.digest).toBe(source.digest)
      expect(registry.tokenRequests.every((r) => r.user === 'deployer' && r.status === 200)).toBe(true)
      expect(registry.tokenRequests.some((r) => r.scopes.some((s) => s.includes('push')))).toBe(true)
      expect(log.lines.join('\n')).not.toContain(USER.password)
      expect(log.lines.join('\n')).not.toMatch(/Bearer|eyJ/)
    } finally {
      await recorder.close()
      await registry.stop()
    }
  })
})
