import type { Ancestry } from '../types.js'
import { sameCommit } from '../util/sha.js'
import { ForgeClock } from './forge-clock.js'
import { GitHubLocks } from './lock-github.js'
import { ForgeClient, policy, type ForgeClientOptions } from './octokit.js'
import { commitSha, defaultBranchOf, payloadError } from './payload.js'
import { repositoryParams, type RepositoryParams } from './paths.js'
import type {
  CommitState,
  CommitStatus,
  DeploymentRequest,
  DeploymentStatusUpdate,
  Forge,
  ForgeCallCounter,
  ForgeDeployments,
  LockHolder,
  LockRelease,
  LockState
} from './types.js'

/**
 * GitHub REST (api version 2022-11-28) through Octokit's typed endpoints (src/forge/octokit.ts), docs.github.com/rest:
 * - branch head: `git.getRef` (`GET /repos/{o}/{r}/git/ref/heads/{branch}`, "Get a reference"). Chosen over
 *   `GET /branches/{branch}` because its body is the ref and the object SHA only (the branch endpoint
 *   embeds the whole head commit and its protection), and it is re-read between every verify round;
 *   both answer ETag conditional requests, and a 304 does not count against the primary rate limit.
 * - default branch: `repos.get` → `default_branch`.
 * - resolve: `repos.getCommit` with the `sha` media type (`Accept: application/vnd.github.sha`) → the bare
 *   SHA as text (accepts a short SHA, a branch or a tag).
 * - ancestry: `repos.compareCommitsWithBasehead` (`{base}...{head}`, per_page=1) → `status`; per_page=1
 *   keeps the commit list small, `status` does not depend on it.
 * - statuses: `repos.listCommitStatusesForRef` (reverse chronological) and `repos.createCommitStatus`.
 * - deployments: `repos.createDeployment` (deployments/deployments#create-a-deployment: 201 with the
 *   deployment's `id`) and `repos.createDeploymentStatus` (deployments/statuses#create-a-deployment-status).
 *   Both need `deployments: write`.
 * - deploy lock: a ref under refs/fleet-forward/locks, see src/forge/lock-github.ts.
 */
export interface GitHubForgeOptions {
  readonly repository: string
  readonly http: Omit<ForgeClientOptions, 'token' | 'headers' | 'permissionFor' | 'forgeClock'>
  readonly token: string
  /** Pages of 100 statuses read at most when looking for a context. */
  readonly maxStatusPages?: number
}

const API_VERSION = '2022-11-28'
const STATUS_PAGE = 100
const COMPARE_STATUSES: ReadonlySet<string> = new Set(['identical', 'ahead', 'behind', 'diverged'])
const COMMIT_STATES: ReadonlySet<string> = new Set(['success', 'pending', 'failure', 'error'])

export class GitHubForge implements Forge, ForgeDeployments {
  readonly kind = 'github' as const
  readonly repository: string
  readonly deployments: ForgeDeployments = this
  private readonly client: ForgeClient
  private readonly locks: GitHubLocks
  private readonly repo: RepositoryParams
  private readonly maxStatusPages: number
  private readonly forgeClock: ForgeClock

  constructor(options: GitHubForgeOptions) {
    this.repository = options.repository
    this.repo = repositoryParams(options.repository)
    this.maxStatusPages = options.maxStatusPages ?? 10
    this.forgeClock = new ForgeClock(options.http.clock)
    this.client = new ForgeClient({
      ...options.http,
      token: options.token,
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': API_VERSION },
      permissionFor: githubPermission,
      forgeClock: this.forgeClock
    })
    this.locks = new GitHubLocks(this.client, this.repo)
  }

  get calls(): ForgeCallCounter {
    return this.client.calls
  }

  readLock(name: string): Promise<LockState | null> {
    return this.locks.readLock(name)
  }

  swapLock(name: string, expected: string | null, next: LockHolder | LockRelease): Promise<LockState | null> {
    return this.locks.swapLock(name, expected, next)
  }

  forgeNow(): number {
    return this.forgeClock.now()
  }

  private get rest(): ForgeClient['octokit']['rest'] {
    return this.client.octokit.rest
  }

  async readBranchHead(branch: string): Promise<string> {
    const answer = await this.rest.git.getRef({ ...this.repo, ref: `heads/${branch}`, request: policy({ conditional: true }) })
    return commitSha(answer.data.object?.sha, this.client.endpointOf('GET', answer))
  }

  async defaultBranch(): Promise<string> {
    const answer = await this.rest.repos.get({ ...this.repo, request: policy({ conditional: true }) })
    return defaultBranchOf(answer.data, this.client.endpointOf('GET', answer))
  }

  async resolveCommit(ref: string): Promise<string> {
    const answer = await this.rest.repos.getCommit({ ...this.repo, ref, mediaType: { format: 'sha' }, request: policy({ conditional: true }) })
    // The sha media type answers the bare SHA as text, not the commit object the typings describe.
    const sha: unknown = answer.data
    return commitSha(typeof sha === 'string' ? sha.trim() : sha, this.client.endpointOf('GET', answer))
  }

  async compare(base: string, head: string): Promise<Ancestry> {
    if (sameCommit(base, head)) return 'identical'
    const answer = await this.rest.repos.compareCommitsWithBasehead({ ...this.repo, basehead: `${base}...${head}`, per_page: 1 })
    const status: unknown = answer.data.status
    if (typeof status !== 'string' || !COMPARE_STATUSES.has(status)) {
      throw payloadError(this.client.endpointOf('GET', answer), 'without a known comparison status')
    }
    return status as Ancestry
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const answer = await this.rest.repos.listCommitStatusesForRef({ ...this.repo, ref: sha, per_page: STATUS_PAGE, page })
      const statuses: unknown = answer.data
      if (!Array.isArray(statuses)) throw payloadError(this.client.endpointOf('GET', answer), 'without a status list')
      // Newest first: the first status with the context is the one in force.
      const match = (statuses as GitHubStatus[]).find((status) => status.context === context)
      if (match) return toCommitStatus(match, this.client.endpointOf('GET', answer))
      if (statuses.length < STATUS_PAGE) return null
    }
    return null
  }

  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    await this.rest.repos.createCommitStatus({
      ...this.repo,
      sha,
      state: status.state,
      context: status.context,
      description: status.description,
      target_url: status.targetUrl,
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      request: policy({ idempotent: true })
    })
  }

  async createDeployment(request: DeploymentRequest): Promise<number> {
    const created = await this.rest.repos.createDeployment({
      ...this.repo,
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
      // Not idempotent (the default for a POST): a repeated create would leave a second deployment.
    })
    // 202 means GitHub merged the default branch instead of creating a deployment (not asked for here).
    const id: unknown = created.status === 201 ? created.data.id : undefined
    if (typeof id !== 'number') throw payloadError(this.client.endpointOf('POST', created), `HTTP ${created.status} without a deployment id`)
    return id
  }

  async setDeploymentStatus(id: number, update: DeploymentStatusUpdate): Promise<void> {
    await this.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: id,
      state: update.state,
      description: update.description,
      ...(update.logUrl ? { log_url: update.logUrl } : {}),
      ...(update.environmentUrl ? { environment_url: update.environmentUrl } : {}),
      // The latest status of a deployment is what GitHub shows: posting the same one twice is repeat-safe.
      request: policy({ idempotent: true })
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
function githubPermission(req: { readonly method: string; readonly path: string }): string {
  const write = req.method !== 'GET'
  if (req.path.includes('/deployments')) return write ? 'deployments: write' : 'deployments: read'
  if (req.path.includes('/statuses')) return write ? 'statuses: write' : 'statuses: read'
  return write ? 'contents: write' : 'contents: read'
}
