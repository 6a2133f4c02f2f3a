import type { Ancestry } from '../core/types.js'

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
export interface Forge {
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
}
