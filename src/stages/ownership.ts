import type { Ancestry, Logger } from '../types.js'
import { isNotFound, RepositoryNotFoundError } from '../forge/errors.js'
import type { Forge } from '../forge/types.js'
import { classifyError, describeError, HttpStatusError, InputError, isFatal } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { sameCommit, shortSha } from '../util/sha.js'

export interface Ownership {
  /** A readable head that is not this run's commit: a newer commit owns the branch. */
  readonly superseded: boolean
  /** Head read from the forge; null when it could not be read (fail-open). */
  readonly head: string | null
  /** Where the head stands relative to this run's commit, when known. */
  readonly relation: Ancestry | null
  readonly message: string
  /** The branch that was asked about; null when no branch was given and the default could not be read. */
  readonly branch: string | null
}

/**
 * The run owns the deploy branch while its head is the run's commit. Ownership fails open: when
 * the head cannot be read after the forge's retries, the run is not superseded (a genuine deploy is
 * never skipped because the forge blinked), and a warning says why with its error class. A head that
 * is not there (404) is not unreadable, it is a wrong name: the repository's (not_found) or the
 * branch's (an input error), and so is a failure no wait can fix (isFatal).
 */
export async function checkOwnership(forge: Forge, branchInput: string | null, sha: string, log: Logger): Promise<Ownership> {
  let head: string
  let branch = branchInput
  try {
    // No branch given (the CLI without --branch): the default branch, read inside the same fail-open.
    branch ??= await forge.defaultBranch()
    head = await forge.readBranchHead(branch)
  } catch (error) {
    // A refused token is not the forge blinking: failing open would deploy with a token that cannot record or lock.
    if (isFatal(error)) throw error
    if (isNotFound(error)) await explainNotFound(forge, branch, error)
    const what = branch ? `the head of branch '${branch}'` : `the default branch of ${forge.repository}`
    const message = `could not read ${what} (${classifyError(error)}: ${neutralize(describeError(error))}); continuing as owner: ownership fails open so a genuine deploy is never skipped`
    log.warning(message)
    return { superseded: false, head: null, relation: null, message, branch }
  }
  if (sameCommit(head, sha)) {
    return { superseded: false, head, relation: 'identical', message: `branch '${branch}' is at ${shortSha(sha)}: this run owns it`, branch }
  }
  const relation = await relationOf(forge, sha, head, log)
  const where = relation ? `${describeRelation(relation)} this run's ${shortSha(sha)}` : `ancestry with this run's ${shortSha(sha)} unknown`
  return {
    superseded: true,
    head,
    relation,
    message: `superseded: branch '${branch}' is owned by ${shortSha(head)} (${where}); this run skips every side effect`,
    branch
  }
}

/**
 * Throws what a 404 on the branch head (or the default branch) means: the repository answers, so the
 * branch does not exist (input 'branch'); or the repository itself is not found, so the token cannot see
 * it (not_found). Returns when the repository could not be read either: the head is then unreadable.
 */
async function explainNotFound(forge: Forge, branch: string | null, error: HttpStatusError): Promise<void> {
  if (branch === null) throw new RepositoryNotFoundError(forge.kind, forge.repository, error.endpoint)
  let defaultBranch: string
  try {
    defaultBranch = await forge.defaultBranch()
  } catch (repoError) {
    if (isNotFound(repoError)) throw new RepositoryNotFoundError(forge.kind, forge.repository, repoError.endpoint)
    if (isFatal(repoError)) throw repoError
    return
  }
  throw new InputError(
    'branch',
    `branch '${branch}' does not exist in ${forge.repository} (${error.subject} answered 404; its default branch is '${neutralize(defaultBranch, 100)}'): pass the deploy branch's name`
  )
}

async function relationOf(forge: Forge, sha: string, head: string, log: Logger): Promise<Ancestry | null> {
  try {
    return await forge.compare(sha, head)
  } catch (error) {
    log.warning(`could not compare ${shortSha(sha)} with ${shortSha(head)} (${classifyError(error)}); the branch head still decides ownership`)
    return null
  }
}

function describeRelation(relation: Ancestry): string {
  if (relation === 'ahead') return 'ahead of'
  if (relation === 'behind') return 'behind'
  if (relation === 'diverged') return 'diverged from'
  return 'identical to'
}

/**
 * Re-checks ownership before each side effect and between verify rounds. Once a newer commit is
 * seen to own the branch the run stays superseded: it never becomes owner again.
 */
export class OwnershipGuard {
  private latest: Ownership | null = null
  /** A head that stays unreadable is warned about once, not at every re-check. */
  private readonly quietLog: Logger

  constructor(
    private readonly forge: Forge,
    private readonly branch: string | null,
    private readonly sha: string,
    log: Logger
  ) {
    const warned = new Set<string>()
    this.quietLog = {
      ...log,
      warning: (message) => {
        if (warned.has(message)) return
        warned.add(message)
        log.warning(message)
      }
    }
  }

  /** The most recent verdict (the superseding one, once there is one). */
  get verdict(): Ownership | null {
    return this.latest
  }

  /**
   * The latest read found the branch head at this run's commit. False after a fail-open read: the run
   * acts, but it may be an older run that only could not see the newer commit.
   */
  get proven(): boolean {
    return this.latest !== null && !this.latest.superseded && this.latest.head !== null
  }

  /** Reads the branch head now (unless already superseded) and returns the verdict. */
  async check(): Promise<Ownership> {
    // The default branch, once read, is asked about by name: it is not read again at every check.
    if (!this.latest?.superseded) this.latest = await checkOwnership(this.forge, this.branch ?? this.latest?.branch ?? null, this.sha, this.quietLog)
    return this.latest
  }

  async stillOwner(): Promise<boolean> {
    return !(await this.check()).superseded
  }
}
