import type { Ancestry } from '../core/types.js'
import { sameCommit } from '../util/sha.js'
import { ForgeClock } from './forge-clock.js'
import { encodePath, type ForgeHttpOptions, type ForgeRequest } from './http.js'
import { GitHubLocks } from './lock-github.js'
import { GitHubClient } from './octokit.js'
import { commitSha, payloadError } from './payload.js'
import type {
  CommitState,
  CommitStatus,
  DeploymentRequest,
  DeploymentStatusUpdate,
  Forge,
  ForgeCallCounter,
  ForgeDeployments,
  LockHolder,
  LockState
} from './types.js'

/**
 * GitHub REST (api version 2022-11-28) through Octokit (src/forge/octokit.ts), docs.github.com/rest:
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
 * - deployments: `POST /repos/{o}/{r}/deployments` (deployments/deployments#create-a-deployment: 201 with
 *   the deployment's `id`) and `POST /repos/{o}/{r}/deployments/{id}/statuses`
 *   (deployments/statuses#create-a-deployment-status). Both need `deployments: write`.
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

export class GitHubForge implements Forge, ForgeDeployments {
  readonly kind = 'github' as const
  readonly repository: string
  readonly deployments: ForgeDeployments = this
  private readonly api: GitHubClient
  private readonly locks: GitHubLocks
  private readonly repoPath: string
  private readonly maxStatusPages: number
  private readonly forgeClock: ForgeClock

  constructor(options: GitHubForgeOptions) {
    this.repository = options.repository
    this.repoPath = `/repos/${encodePath(options.repository)}`
    this.maxStatusPages = options.maxStatusPages ?? 10
    const { baseUrl, clock, dispatcher, signal, tuning } = options.http
    this.forgeClock = new ForgeClock(clock)
    this.api = new GitHubClient({
      baseUrl,
      token: options.token,
      clock,
      dispatcher,
      signal,
      tuning,
      permissionFor: githubPermission,
      forgeClock: this.forgeClock
    })
    this.locks = new GitHubLocks(this.api, this.repoPath)
  }

  get calls(): ForgeCallCounter {
    return this.api.calls
  }

  readLock(name: string): Promise<LockState | null> {
    return this.locks.readLock(name)
  }

  swapLock(name: string, expected: string | null, next: LockHolder | null): Promise<LockState | null> {
    return this.locks.swapLock(name, expected, next)
  }

  forgeNow(): number {
    return this.forgeClock.now()
  }

  async readBranchHead(branch: string): Promise<string> {
    const path = `${this.repoPath}/git/ref/heads/${encodePath(branch)}`
    const ref = await this.api.call<{ object?: { sha?: unknown } }>('GET', path, { conditional: true })
    return commitSha(ref.data.object?.sha, `GET ${path}`)
  }

  async defaultBranch(): Promise<string> {
    const repo = await this.api.call<{ default_branch?: unknown }>('GET', this.repoPath, { conditional: true })
    if (typeof repo.data.default_branch !== 'string' || !repo.data.default_branch) {
      throw payloadError(`GET ${this.repoPath}`, 'without a default_branch')
    }
    return repo.data.default_branch
  }

  async resolveCommit(ref: string): Promise<string> {
    const path = `${this.repoPath}/commits/${encodePath(ref)}`
    const res = await this.api.call<unknown>('GET', path, { accept: 'application/vnd.github.sha', conditional: true })
    return commitSha(typeof res.data === 'string' ? res.data.trim() : res.data, `GET ${path}`)
  }

  async compare(base: string, head: string): Promise<Ancestry> {
    if (sameCommit(base, head)) return 'identical'
    const path = `${this.repoPath}/compare/${encodePath(base)}...${encodePath(head)}`
    const comparison = (await this.api.call<{ status?: unknown }>('GET', path, { query: { per_page: 1 } })).data
    if (typeof comparison.status !== 'string' || !COMPARE_STATUSES.has(comparison.status)) {
      throw payloadError(`GET ${path}`, 'without a known comparison status')
    }
    return comparison.status as Ancestry
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    const path = `${this.repoPath}/commits/${encodePath(sha)}/statuses`
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const statuses = (await this.api.call<GitHubStatus[]>('GET', path, { query: { per_page: STATUS_PAGE, page } })).data
      if (!Array.isArray(statuses)) throw payloadError(`GET ${path}`, 'without a status list')
      // Newest first: the first status with the context is the one in force.
      const match = statuses.find((status) => status.context === context)
      if (match) return toCommitStatus(match, `GET ${path}`)
      if (statuses.length < STATUS_PAGE) return null
    }
    return null
  }

  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    await this.api.call('POST', `${this.repoPath}/statuses/${encodePath(sha)}`, {
      body: { state: status.state, context: status.context, description: status.description, target_url: status.targetUrl },
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      idempotent: true
    })
  }

  async createDeployment(request: DeploymentRequest): Promise<number> {
    const path = `${this.repoPath}/deployments`
    const created = await this.api.call<{ id?: unknown }>('POST', path, {
      body: {
        ref: request.sha,
        task: 'deploy',
        environment: request.environment,
        description: request.description,
        // The run deploys exactly this commit: no merge of the default branch into it, and no status
        // checks required first (the gate, when asked for, has already judged the commit).
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: request.production
      }
      // Not idempotent: a repeated create would leave a second deployment.
    })
    // 202 means GitHub merged the default branch instead of creating a deployment (not asked for here).
    if (created.status !== 201 || typeof created.data.id !== 'number') throw payloadError(`POST ${path}`, `HTTP ${created.status} without a deployment id`)
    return created.data.id
  }

  async setDeploymentStatus(id: number, update: DeploymentStatusUpdate): Promise<void> {
    await this.api.call('POST', `${this.repoPath}/deployments/${id}/statuses`, {
      body: {
        state: update.state,
        description: update.description,
        ...(update.logUrl ? { log_url: update.logUrl } : {}),
        ...(update.environmentUrl ? { environment_url: update.environmentUrl } : {})
      },
      // The latest status of a deployment is what GitHub shows: posting the same one twice is repeat-safe.
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
function githubPermission(req: Pick<ForgeRequest, 'method' | 'path'>): string {
  const write = req.method !== 'GET'
  if (req.path.includes('/deployments')) return write ? 'deployments: write' : 'deployments: read'
  if (req.path.includes('/statuses')) return write ? 'statuses: write' : 'statuses: read'
  return write ? 'contents: write' : 'contents: read'
}
