import type { Dispatcher } from 'undici'
import type { Ancestry, Logger } from '../types.js'
import type { Credentials } from '../registry/auth.js'
import { RegistryClient, type Manifest } from '../registry/client.js'
import { parseImageRef } from '../registry/image-ref.js'
import { readRevision, REVISION_KEY } from '../registry/revision.js'
import type { Clock } from '../util/clock.js'
import { sameCommit, shortSha } from '../util/sha.js'

export interface PromoteOptions {
  image: string
  sourceTag: string
  promoteTag: string
  /** Commit the source image must have been built from. */
  expectedSha: string
  allowRollback: boolean
  dryRun: boolean
  credentials?: Credentials
  /** Forge ancestry: `ahead` means head descends from base. */
  compare: (base: string, head: string) => Promise<Ancestry>
  /** Re-checked just before the write: false when a newer commit owns the deploy branch. */
  stillOwner: () => Promise<boolean>
  clock: Clock
  log: Logger
  dispatcher?: Dispatcher
}

/** What a tag points at: the manifest digest and the commit recorded in the image, when it records one. */
export interface TagState {
  digest: string
  revision: string | null
}

export type PromoteStatus = 'promoted' | 'unchanged' | 'blocked' | 'superseded' | 'conflict' | 'planned'

export interface PromoteOutcome {
  /** `planned`: a dry run that would have moved the tag. */
  status: PromoteStatus
  /** The promote tag before (null: it did not exist). */
  before: TagState | null
  /** The promote tag after, as read back (equal to `before` when nothing was written). */
  after: TagState | null
  message: string
}

export interface RegistryAccess {
  credentials?: Credentials
  clock: Clock
  dispatcher?: Dispatcher
}

/**
 * Copies the manifest of `image:sourceTag` to `image:promoteTag`, never backward. A registry has no
 * compare-and-swap on tags, so this reads, decides, re-checks ownership, writes the exact bytes, and
 * reads back: a tag someone else moved in between is reported as `conflict`, never overwritten again.
 */
export async function promoteTag(o: PromoteOptions): Promise<PromoteOutcome> {
  const client = new RegistryClient(parseImageRef(o.image), { credentials: o.credentials, clock: o.clock, dispatcher: o.dispatcher })
  const sourceName = client.describe(o.sourceTag)
  const promoteName = client.describe(o.promoteTag)

  const source = await client.getManifest(o.sourceTag)
  const wanted: TagState = { digest: source.digest, revision: await readRevision(client, source) }
  const currentDigest = await client.headDigest(o.promoteTag)
  const before = currentDigest === source.digest ? wanted : await readTagState(client, o.promoteTag)
  const outcome = (status: PromoteStatus, after: TagState | null, message: string): PromoteOutcome => {
    o.log.info(`promotion: ${message}`)
    return { status, before, after, message }
  }

  // An image built from another commit is never promoted as this one; one that records no commit only with allow-rollback.
  const sourceProblem = checkSource(sourceName, wanted.revision, o.expectedSha)
  if (sourceProblem && (wanted.revision !== null || !o.allowRollback)) {
    return outcome('blocked', before, `${sourceProblem}; ${promoteName} left at ${describeState(before)}`)
  }
  if (before?.digest === source.digest) {
    return outcome('unchanged', before, `${promoteName} already points at ${describeState(before)}; nothing written`)
  }

  const verdict = await judgeMove(before, o.expectedSha, o.compare)
  if (!verdict.forward && !o.allowRollback) {
    return outcome('blocked', before, `refusing to move ${promoteName}: ${verdict.reason}; set allow-rollback: true to permit it`)
  }
  const move = `${promoteName} from ${describeState(before)} to ${describeState(wanted)}`
  if (!verdict.forward || sourceProblem) {
    o.log.warning(`promote: allow-rollback is set, moving ${promoteName} although ${sourceProblem ?? verdict.reason}`)
  }
  if (o.dryRun) return outcome('planned', before, `dry run: would move ${move}`)
  if (!(await o.stillOwner())) {
    return outcome('superseded', before, `a newer commit owns the deploy branch; ${promoteName} left at ${describeState(before)}`)
  }

  await client.putManifest(o.promoteTag, source)
  const readBack = await client.headDigest(o.promoteTag)
  if (readBack !== source.digest) {
    const after = readBack === null ? null : await readTagState(client, o.promoteTag)
    return outcome(
      'conflict',
      after,
      `${promoteName} changed while it was being promoted: wrote ${shortDigest(source.digest)}, read back ${describeState(after)}; another writer moved it, not overwritten again`
    )
  }
  return outcome('promoted', wanted, `moved ${move}`)
}

/** The commit an image tag records, used to derive expected-sha when the target tag does not name the run's commit. */
export async function resolveImageRevision(image: string, tag: string, access: RegistryAccess): Promise<string | null> {
  const client = new RegistryClient(parseImageRef(image), access)
  return readRevision(client, await client.getManifest(tag))
}

async function readTagState(client: RegistryClient, tag: string): Promise<TagState | null> {
  const manifest: Manifest | null = await client.findManifest(tag)
  return manifest && { digest: manifest.digest, revision: await readRevision(client, manifest) }
}

/** Null when the source image is the expected commit; otherwise why it cannot be promoted as that commit. */
function checkSource(sourceName: string, revision: string | null, expectedSha: string): string | null {
  if (revision === null) {
    return `${sourceName} records no commit in ${REVISION_KEY}, so it cannot be proven to be ${shortSha(expectedSha)}`
  }
  if (!sameCommit(revision, expectedSha)) {
    return `${sourceName} was built from ${shortSha(revision)}, not the expected ${shortSha(expectedSha)}`
  }
  return null
}

/**
 * Forward means the tag's current commit is the expected one or its ancestor. A tag whose image records
 * no commit cannot be proven forward, so it counts as not forward: refusing is the safe default and
 * allow-rollback is the explicit override.
 */
async function judgeMove(before: TagState | null, expectedSha: string, compare: PromoteOptions['compare']): Promise<{ forward: boolean; reason: string }> {
  if (!before) return { forward: true, reason: 'the tag does not exist yet' }
  if (!before.revision) {
    return {
      forward: false,
      reason: `it points at ${shortDigest(before.digest)}, which records no commit in ${REVISION_KEY}, so the move cannot be proven forward`
    }
  }
  const ancestry = sameCommit(before.revision, expectedSha) ? 'identical' : await compare(before.revision, expectedSha)
  if (ancestry === 'identical' || ancestry === 'ahead') {
    return { forward: true, reason: `${shortSha(expectedSha)} descends from ${shortSha(before.revision)}` }
  }
  const relation = ancestry === 'behind' ? 'is newer than' : 'has diverged from'
  return {
    forward: false,
    reason: `it points at ${shortSha(before.revision)}, which ${relation} the expected ${shortSha(expectedSha)}, so the move would not be forward`
  }
}

function describeState(state: TagState | null): string {
  if (!state) return 'nothing (tag absent)'
  return `${shortDigest(state.digest)} (${state.revision ? `commit ${shortSha(state.revision)}` : 'no recorded commit'})`
}

function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13)
}
