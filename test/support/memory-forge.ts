import type { Ancestry } from '../../src/types.js'
import type { CommitStatus, Forge, ForgeCallCounter, LockHolder, LockRelease, LockState } from '../../src/forge/types.js'
import { stateOf } from '../../src/forge/lock-holder.js'
import { AccessDeniedError } from '../../src/forge/errors.js'
import type { Clock } from '../../src/util/clock.js'
import { FleetError } from '../../src/util/errors.js'

/**
 * An in-memory Forge for stage unit tests and simulations: a commit graph, branches and statuses,
 * with the same semantics as the HTTP adapters (compare = GitHub's `status` of head relative to base)
 * and scriptable faults. HTTP-level behaviour is tested against the fake servers instead.
 *
 *   const forge = new MemoryForge('acme/fleet')
 *   forge.commit(A); forge.commit(B, A); forge.setBranch('main', B)
 *   forge.failReads = 3       // the next 3 branch-head reads throw an http_5xx FleetError
 *   forge.lockFaults.push('lost-answer')   // the next lock swap is applied, then its answer is lost (throws)
 *   forge.lockFaults.push('fail')          // the next lock swap throws without being applied
 *   forge.refuseLock = 403                  // every lock write is refused (401: reads too), as the adapters refuse a token
 */
export class MemoryForge implements Forge {
  readonly kind = 'github' as const
  readonly calls: ForgeCallCounter = { requests: 0, notModified: 0 }
  readonly parents = new Map<string, string[]>()
  readonly branches = new Map<string, string>()
  readonly statuses = new Map<string, CommitStatus[]>()
  failReads = 0
  /** Lock register: a compare-and-swap per name, versions counted up. */
  readonly locks = new Map<string, LockState>()
  /** Consumed one per swapLock call. */
  readonly lockFaults: ('fail' | 'lost-answer')[] = []
  /** The next N lock reads throw an http_5xx FleetError. */
  failLockReads = 0
  /** 401: every lock read and write is refused; 403: every lock write (the token may read, not write). */
  refuseLock: 401 | 403 | null = null
  /** Every lock swap that took effect, in order (for assertions). */
  readonly lockWrites: { name: string; holder: LockHolder | null }[] = []
  private lockVersions = 0
  /** Called on every head read, so a test can move the branch at an exact point of a run. */
  onHeadRead: (count: number) => void = () => {}
  /** Branch-head reads so far. */
  headReads = 0

  /** @param clock the forge's own clock (forgeNow); share the test's virtual clock or give it a skewed one */
  constructor(
    readonly repository = 'acme/fleet',
    private readonly clock: Pick<Clock, 'now'> = { now: () => Date.now() }
  ) {}

  commit(sha: string, ...parents: string[]): this {
    this.parents.set(sha, parents)
    return this
  }

  setBranch(name: string, sha: string): this {
    this.branches.set(name, sha)
    return this
  }

  async readBranchHead(branch: string): Promise<string> {
    this.calls.requests++
    this.onHeadRead(++this.headReads)
    if (this.failReads > 0) {
      this.failReads--
      throw new FleetError(`GET /repos/${this.repository}/branches/${branch} answered HTTP 502`, 'http_5xx')
    }
    const head = this.branches.get(branch)
    if (!head) throw new FleetError(`branch '${branch}' not found`, 'http_4xx')
    return head
  }

  async defaultBranch(): Promise<string> {
    this.calls.requests++
    return 'main'
  }

  async resolveCommit(ref: string): Promise<string> {
    this.calls.requests++
    const sha = this.branches.get(ref) ?? [...this.parents.keys()].find((s) => s.startsWith(ref.toLowerCase()))
    if (!sha) throw new FleetError(`commit '${ref}' not found`, 'http_4xx')
    return sha
  }

  async compare(base: string, head: string): Promise<Ancestry> {
    this.calls.requests++
    const b = await this.resolveCommit(base)
    const h = await this.resolveCommit(head)
    if (b === h) return 'identical'
    if (this.ancestors(h).has(b)) return 'ahead'
    if (this.ancestors(b).has(h)) return 'behind'
    return 'diverged'
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    this.calls.requests++
    return [...(this.statuses.get(sha) ?? [])].reverse().find((s) => s.context === context) ?? null
  }

  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    this.calls.requests++
    this.statuses.set(sha, [...(this.statuses.get(sha) ?? []), status])
  }

  async readLock(name: string): Promise<LockState | null> {
    this.calls.requests++
    if (this.refuseLock === 401) throw this.refusal(401, `GET lock ${name}`)
    if (this.failLockReads > 0) {
      this.failLockReads--
      throw new FleetError(`GET lock ${name} answered HTTP 502`, 'http_5xx')
    }
    return this.locks.get(name) ?? null
  }

  async swapLock(name: string, expected: string | null, next: LockHolder | LockRelease): Promise<LockState | null> {
    this.calls.requests++
    if (this.refuseLock) throw this.refusal(this.refuseLock, `swap lock ${name}`)
    const fault = this.lockFaults.shift()
    if (fault === 'fail') throw new FleetError(`swap lock ${name} answered HTTP 502`, 'http_5xx')
    const current = this.locks.get(name) ?? null
    if ((current?.version ?? null) !== expected) {
      if (fault === 'lost-answer') throw new FleetError(`swap lock ${name} failed: deadline`, 'deadline')
      return null
    }
    const state = stateOf(`v${++this.lockVersions}`, next)
    this.locks.set(name, state)
    this.lockWrites.push({ name, holder: state.holder })
    if (fault === 'lost-answer') throw new FleetError(`swap lock ${name} failed: deadline`, 'deadline')
    return state
  }

  private refusal(status: 401 | 403, endpoint: string): AccessDeniedError {
    return new AccessDeniedError(status, endpoint, status === 401 ? 'Bad credentials' : 'Resource not accessible by integration', 'contents: write')
  }

  forgeNow(): number {
    return this.clock.now()
  }

  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>()
    const stack = [...(this.parents.get(sha) ?? [])]
    while (stack.length) {
      const next = stack.pop() as string
      if (!seen.has(next)) {
        seen.add(next)
        stack.push(...(this.parents.get(next) ?? []))
      }
    }
    return seen
  }
}

/** The incident's commits, full length: 7a72516 was pushed on top of BASE, then 7f25373 on top of it. */
export const BASE = 'b4a5e00' + '0'.repeat(33)
export const OLDER = '7a72516' + '0'.repeat(33)
export const NEWER = '7f25373' + '0'.repeat(33)
