import type { Ancestry } from '../types.js'

export type ForgeKind = 'github' | 'gitea'

export type CommitState = 'success' | 'pending' | 'failure' | 'error'

export interface CommitStatus {
  context: string
  state: CommitState
  description: string
  targetUrl: string | null
}

/** Request counters, so a run can report (and the benchmark can check) how much it asked of the forge. */
export interface ForgeCallCounter {
  /** Every HTTP request sent, 304s included. */
  requests: number
  /** Conditional reads answered 304 Not Modified (free of rate limit on GitHub). */
  notModified: number
}

/**
 * The forge behind one narrow interface. Implementations: GitHub REST (src/forge/github.ts) and
 * Gitea REST /api/v1 (src/forge/gitea.ts). Every method throws a FleetError with an error class when it
 * cannot answer after its retries; idempotent reads are retried, honouring Retry-After / x-ratelimit-reset.
 */
export interface Forge extends ForgeLocks {
  readonly kind: ForgeKind
  /** `owner/name` */
  readonly repository: string
  readonly calls: ForgeCallCounter
  /** Head commit (full SHA) of a branch; a conditional request after the first read where the forge supports it. */
  readBranchHead(branch: string): Promise<string>
  defaultBranch(): Promise<string>
  /** Full SHA of a commit given a short SHA, a branch or a tag. */
  resolveCommit(ref: string): Promise<string>
  /** Where `head` stands relative to `base`: `ahead` means head is a strict descendant of base. */
  compare(base: string, head: string): Promise<Ancestry>
  /** Most recent status with this context on the commit, or null when there is none. */
  latestStatus(sha: string, context: string): Promise<CommitStatus | null>
  setStatus(sha: string, status: CommitStatus): Promise<void>
  /** The forge's deployments, where it has them (GitHub); absent on Gitea. */
  readonly deployments?: ForgeDeployments
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'

export interface DeploymentRequest {
  /** Full SHA of the commit deployed. */
  readonly sha: string
  readonly environment: string
  readonly production: boolean
  readonly description: string
}

export interface DeploymentStatusUpdate {
  readonly state: DeploymentState
  readonly description: string
  /** The run's page. */
  readonly logUrl: string | null
  /** The deployed environment's address (input `environment-url`). */
  readonly environmentUrl: string | null
}

/**
 * A deployment per run on the forge's environments page (GitHub Deployments). It is shown to people; the
 * commit status stays the durable record the gate reads. Only src/stages/deployment.ts uses it.
 */
export interface ForgeDeployments {
  /** Creates the deployment and returns its id. */
  createDeployment(request: DeploymentRequest): Promise<number>
  setDeploymentStatus(id: number, update: DeploymentStatusUpdate): Promise<void>
}

/** Who holds a deploy lock (docs/contract.md, Lock), written into the lock itself so a waiter can name it. */
export interface LockHolder {
  readonly runUrl: string
  /** The commit the holding run deploys. */
  readonly sha: string
  /** End of the lease, milliseconds since the epoch on the forge's clock (ForgeLocks.forgeNow). */
  readonly expiresAt: number
  /** Unique per acquisition: tells this run's own write from anyone else's when an answer was lost. */
  readonly nonce: string
  /**
   * The runs that held the lock before this one, as it learned of them (waited on, taken over from, named
   * by the release it found), one per commit, newest first: their rollouts may still be landing
   * (src/stages/plan.ts, tenantsToRoll). Absent when none.
   */
  readonly earlier?: readonly LockRun[]
}

/** A run a lock names: its URL and the commit it deploys. */
export interface LockRun {
  readonly runUrl: string
  readonly sha: string
}

/**
 * A release: the lock is free, and keeps naming the run that released it (first) and the runs that one had
 * learned of, so the next run knows whose rollouts may still be landing.
 */
export interface LockRelease {
  readonly released: readonly [LockRun, ...LockRun[]]
}

/**
 * One observed state of a lock. `version` changes with every write; `holder` null means released, and then
 * `released` names the runs the release record names (absent in a release record that names none).
 */
export interface LockState {
  readonly version: string
  readonly holder: LockHolder | null
  readonly released?: readonly LockRun[]
}

/**
 * A compare-and-swap register per lock name, kept in the forge itself (GitHub: a ref; Gitea: generation
 * tags; see each adapter). Only the lock stage (src/stages/lock.ts) uses it.
 */
export interface ForgeLocks {
  /** The lock's current state, or null when it has never been taken (free). */
  readLock(name: string): Promise<LockState | null>
  /**
   * Replaces the state whose version is `expected` (null: the lock must not exist) with `next` (a holder,
   * or a release naming the run that releases it). Resolves to the new state when the forge confirmed this
   * write, null when it refused it
   * (another writer came first). Throws when the outcome is unknown (timeout, 5xx): the caller re-reads.
   */
  swapLock(name: string, expected: string | null, next: LockHolder | LockRelease): Promise<LockState | null>
  /**
   * The forge's current time as last observed (milliseconds since the epoch): the local clock plus the
   * offset learned from the `Date` header of the forge's latest answer; before any answer, the local
   * clock. Leases are written and judged on it, never on a runner's own clock.
   */
  forgeNow(): number
}
