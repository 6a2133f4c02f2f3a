import type { Ancestry } from '../../src/core/types.js'
import type { CommitStatus, Forge, ForgeCallCounter, LockHolder, LockState } from '../../src/forge/types.js'
import { AccessDeniedError } from '../../src/forge/errors.js'
import { FleetError, HttpStatusError } from '../../src/util/errors.js'
import type { Random, SimClock } from './sim-clock.js'

export interface ForgeFaults {
  /** Probability that a read fails after the adapter's own retries. */
  readonly read: number
  /** Probability that a write fails without taking effect. */
  readonly writeFails: number
  /** Probability that a write takes effect and its answer is lost (an ambiguous write). */
  readonly writeLost: number
}

/** Faults that last a whole run: they are what a run's token, its network path or the forge's mood is for that run. */
export interface RunForgeFaults {
  /** Every branch-head read fails (502 after retries): ownership fails open for the whole run. */
  readonly headUnreadable?: boolean
  /** 401: the token is refused on every call; 403: it may read but not write. */
  readonly auth?: 401 | 403 | null
  /** Every release of the lock by this view fails (503): the lock stays until the post step or the lease frees it. */
  readonly releaseFails?: boolean
}

/** What a view tells the simulation at the moment a write takes effect on the forge. */
export interface ForgeWriteHooks {
  onStatus?(sha: string, status: CommitStatus): void
}

/** The forge's state, shared by every run: one linear deploy branch, statuses, and the lock registers. */
export class SimForgeState {
  readonly parents = new Map<string, string | null>()
  head = ''
  readonly statuses = new Map<string, CommitStatus[]>()
  readonly locks = new Map<string, LockState>()
  private versions = 0

  push(sha: string): void {
    this.parents.set(sha, this.head || null)
    this.head = sha
  }

  /** True when `a` is a strict ancestor of `b`. */
  isAncestor(a: string, b: string): boolean {
    for (let c = this.parents.get(b) ?? null; c; c = this.parents.get(c) ?? null) if (c === a) return true
    return false
  }

  compare(base: string, head: string): Ancestry {
    if (base === head) return 'identical'
    if (this.isAncestor(base, head)) return 'ahead'
    if (this.isAncestor(head, base)) return 'behind'
    return 'diverged'
  }

  swap(name: string, expected: string | null, next: LockHolder | null): LockState | null {
    const current = this.locks.get(name) ?? null
    if ((current?.version ?? null) !== expected) return null
    const state: LockState = { version: `v${++this.versions}`, holder: next }
    if (next === null) this.locks.delete(name)
    else this.locks.set(name, state)
    return state
  }
}

/**
 * One run's view of the forge: every call takes simulated time and may fail as configured; once the
 * run has crashed, no call answers again (a dead process sends nothing).
 */
export class SimForgeView implements Forge {
  readonly kind = 'github' as const
  readonly repository = 'acme/fleet'
  readonly calls: ForgeCallCounter = { requests: 0, notModified: 0 }
  /** Calls refused with 401/403 (the run-level auth fault). */
  refusals = 0
  /** Writes this run sent (lock, statuses), answered or not. */
  writes = 0

  constructor(
    private readonly state: SimForgeState,
    private readonly clock: SimClock,
    private readonly random: Random,
    private readonly faults: ForgeFaults,
    private readonly isDead: () => boolean,
    private readonly faultsEnabled: () => boolean,
    private readonly runFaults: RunForgeFaults = {},
    private readonly hooks: ForgeWriteHooks = {}
  ) {}

  readBranchHead(_branch: string): Promise<string> {
    return this.read('GET branch head', () => {
      if (this.runFaults.headUnreadable) throw new HttpStatusError(502, 'GET branch head', 'Bad Gateway')
      return this.state.head
    })
  }

  defaultBranch(): Promise<string> {
    return this.read('GET repository', () => 'main')
  }

  resolveCommit(ref: string): Promise<string> {
    return this.read('GET commit', () => {
      const sha = [...this.state.parents.keys()].find((s) => s.startsWith(ref.toLowerCase()))
      if (!sha) throw new FleetError(`commit '${ref}' not found`, 'http_4xx')
      return sha
    })
  }

  compare(base: string, head: string): Promise<Ancestry> {
    return this.read('GET compare', () => this.state.compare(base, head))
  }

  latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    return this.read('GET statuses', () => [...(this.state.statuses.get(sha) ?? [])].reverse().find((s) => s.context === context) ?? null)
  }

  setStatus(sha: string, status: CommitStatus): Promise<void> {
    return this.write('POST status', () => {
      this.state.statuses.set(sha, [...(this.state.statuses.get(sha) ?? []), status])
      this.hooks.onStatus?.(sha, status)
    })
  }

  readLock(name: string): Promise<LockState | null> {
    return this.read('GET lock', () => this.state.locks.get(name) ?? null)
  }

  swapLock(name: string, expected: string | null, next: LockHolder | null): Promise<LockState | null> {
    return this.write('swap lock', () => {
      if (next === null && this.runFaults.releaseFails) throw new HttpStatusError(503, 'swap lock', 'Service Unavailable')
      return this.state.swap(name, expected, next)
    })
  }

  /** The simulation has one clock, and it is the forge's. */
  forgeNow(): number {
    return this.clock.now()
  }

  private async read<T>(endpoint: string, answer: () => T): Promise<T> {
    this.calls.requests++
    await this.latency()
    if (this.runFaults.auth === 401) throw this.refuse(401, endpoint)
    if (this.faultsEnabled() && this.random.chance(this.faults.read)) throw this.fault(endpoint)
    const value = answer()
    await this.latency()
    return value
  }

  private async write<T>(endpoint: string, apply: () => T): Promise<T> {
    this.calls.requests++
    this.writes++
    await this.latency()
    const faulty = this.faultsEnabled()
    if (this.runFaults.auth) throw this.refuse(this.runFaults.auth, endpoint)
    if (faulty && this.random.chance(this.faults.writeFails)) throw this.fault(endpoint)
    const value = apply()
    const lost = faulty && this.random.chance(this.faults.writeLost)
    await this.latency()
    if (lost) throw new FleetError(`${endpoint} failed: deadline (answer lost after the write)`, 'deadline', endpoint)
    return value
  }

  /** What the forge adapters throw for a refused token. */
  private refuse(status: 401 | 403, endpoint: string): AccessDeniedError {
    this.refusals++
    return new AccessDeniedError(status, endpoint, status === 401 ? 'Bad credentials' : 'Resource not accessible by integration', 'contents: write')
  }

  private fault(endpoint: string): FleetError {
    const kind = this.random.pick(['http_5xx', 'rate_limited', 'deadline'] as const)
    return new FleetError(`${endpoint} failed: ${kind}`, kind, endpoint)
  }

  /** 20–400 ms each way; a dead run's call never comes back. */
  private async latency(): Promise<void> {
    if (this.isDead()) await new Promise<never>(() => {})
    await this.clock.sleep(this.random.int(20, 400))
    if (this.isDead()) await new Promise<never>(() => {})
  }
}
