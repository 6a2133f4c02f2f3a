import type { Ancestry } from '../core/types.js'
import { sameCommit } from '../util/sha.js'
import { encodePath, ForgeHttp, type ForgeHttpOptions, type ForgeRequest } from './http.js'
import { GitHubLocks, graphqlRoot } from './lock-github.js'
import { commitSha, payloadError, readDefaultBranch } from './payload.js'
import type { CommitState, CommitStatus, Forge, ForgeCallCounter, LockHolder, LockState } from './types.js'

/**
 * GitHub REST (api version 2022-11-28), docs.github.com/rest:
 * - branch head: `GET /repos/{o}/{r}/git/ref/heads/{branch}` ("Get a reference"). Chosen over
 *   `GET /branches/{branch}` because its body is the ref and the object SHA only (the branch endpoint
 *   embeds the whole head commit and its protection), and it is re-read between every verify round;
 *   both answer ETag conditional requests, and a 304 does not count against the primary rate limit.
 * - default branch: `GET /repos/{o}/{r}` → `default_branch`.
 * - resolve: `GET /repos/{o}/{r}/commits/{ref}` with `Accept: application/vnd.github.sha` → the bare
 *   SHA as text (accepts a short SHA, a branch or a tag).
 * - ancestry: `GET /repos/{o}/{r}/compare/{base}...{head}?per_page=1` → `status`; per_page=1 keeps the
 *   commit list small, `status` does not depend on it.
 * - statuses: `GET /repos/{o}/{r}/commits/{ref}/statuses` (reverse chronological) and
 *   `POST /repos/{o}/{r}/statuses/{sha}`.
 * - deploy lock: a ref under refs/fleet-forward/locks, see src/forge/lock-github.ts.
 */
export interface GitHubForgeOptions {
  readonly repository: string
  readonly http: Omit<ForgeHttpOptions, 'authorization' | 'accept' | 'headers'>
  readonly token: string
  /** Pages of 100 statuses read at most when looking for a context. */
  readonly maxStatusPages?: number
}

const STATUS_PAGE = 100
const COMPARE_STATUSES: ReadonlySet<string> = new Set(['identical', 'ahead', 'behind', 'diverged'])
const COMMIT_STATES: ReadonlySet<string> = new Set(['success', 'pending', 'failure', 'error'])

export class GitHubForge implements Forge {
  readonly kind = 'github' as const
  readonly repository: string
  private readonly http: ForgeHttp
  private readonly graphql: ForgeHttp
  private readonly locks: GitHubLocks
  private readonly repoPath: string
  private readonly maxStatusPages: number

  constructor(options: GitHubForgeOptions) {
    this.repository = options.repository
    this.repoPath = `/repos/${encodePath(options.repository)}`
    this.maxStatusPages = options.maxStatusPages ?? 10
    this.http = new ForgeHttp({
      ...options.http,
      authorization: `Bearer ${options.token}`,
      accept: 'application/vnd.github+json',
      headers: { 'x-github-api-version': '2022-11-28' },
      permissionFor: githubPermission
    })
    this.graphql = new ForgeHttp({
      ...options.http,
      baseUrl: graphqlRoot(options.http.baseUrl),
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      // GraphQL is only used for the lock's compare-and-swap on a ref.
      permissionFor: () => 'contents: write'
    })
    this.locks = new GitHubLocks(this.http, this.graphql, this.repoPath)
  }

  get calls(): ForgeCallCounter {
    return {
      requests: this.http.calls.requests + this.graphql.calls.requests,
      notModified: this.http.calls.notModified + this.graphql.calls.notModified
    }
  }

  readLock(name: string): Promise<LockState | null> {
    return this.locks.readLock(name)
  }

  swapLock(name: string, expected: string | null, next: LockHolder | null): Promise<LockState | null> {
    return this.locks.swapLock(name, expected, next)
  }

  async readBranchHead(branch: string): Promise<string> {
    const path = `${this.repoPath}/git/ref/heads/${encodePath(branch)}`
    const ref = await this.http.json<{ object?: { sha?: unknown } }>({ method: 'GET', path, conditional: true })
    return commitSha(ref.object?.sha, `GET ${path}`)
  }

  defaultBranch(): Promise<string> {
    return readDefaultBranch(this.http, this.repoPath)
  }

  async resolveCommit(ref: string): Promise<string> {
    const path = `${this.repoPath}/commits/${encodePath(ref)}`
    const res = await this.http.send({ method: 'GET', path, accept: 'application/vnd.github.sha', conditional: true })
    return commitSha(res.text.trim(), `GET ${path}`)
  }

  async compare(base: string, head: string): Promise<Ancestry> {
    if (sameCommit(base, head)) return 'identical'
    const path = `${this.repoPath}/compare/${encodePath(base)}...${encodePath(head)}`
    const comparison = await this.http.json<{ status?: unknown }>({ method: 'GET', path, query: { per_page: 1 } })
    if (typeof comparison.status !== 'string' || !COMPARE_STATUSES.has(comparison.status)) {
      throw payloadError(`GET ${path}`, 'without a known comparison status')
    }
    return comparison.status as Ancestry
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    const path = `${this.repoPath}/commits/${encodePath(sha)}/statuses`
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const statuses = await this.http.json<GitHubStatus[]>({ method: 'GET', path, query: { per_page: STATUS_PAGE, page } })
      if (!Array.isArray(statuses)) throw payloadError(`GET ${path}`, 'without a status list')
      // Newest first: the first status with the context is the one in force.
      const match = statuses.find((status) => status.context === context)
      if (match) return toCommitStatus(match, `GET ${path}`)
      if (statuses.length < STATUS_PAGE) return null
    }
    return null
  }

  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    await this.http.send({
      method: 'POST',
      path: `${this.repoPath}/statuses/${encodePath(sha)}`,
      body: { state: status.state, context: status.context, description: status.description, target_url: status.targetUrl },
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      idempotent: true
    })
  }
}

interface GitHubStatus {
  state?: unknown
  context?: unknown
  description?: unknown
  target_url?: unknown
}

function toCommitStatus(status: GitHubStatus, endpoint: string): CommitStatus {
  if (typeof status.state !== 'string' || !COMMIT_STATES.has(status.state)) {
    throw payloadError(endpoint, 'a status with an unknown state')
  }
  return {
    context: String(status.context),
    state: status.state as CommitState,
    description: typeof status.description === 'string' ? status.description : '',
    targetUrl: typeof status.target_url === 'string' ? status.target_url : null
  }
}

/** The `permissions:` entry of a workflow that a request needs (docs.github.com, "Permissions required for GitHub Apps"). */
function githubPermission(req: ForgeRequest): string {
  const write = req.method !== 'GET'
  if (req.path.includes('/statuses')) return write ? 'statuses: write' : 'statuses: read'
  return write ? 'contents: write' : 'contents: read'
}
