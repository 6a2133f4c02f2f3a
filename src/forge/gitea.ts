import type { Ancestry } from '../types.js'
import { FleetError } from '../util/errors.js'
import { sameCommit, shortSha } from '../util/sha.js'
import { ForgeClock } from './forge-clock.js'
import { GiteaLocks } from './lock-gitea.js'
import { ForgeClient, policy, type ForgeClientOptions } from './octokit.js'
import { commitSha, defaultBranchOf, payloadError } from './payload.js'
import { encodePath, repositoryParams, type RepositoryParams } from './paths.js'
import type { CommitState, CommitStatus, Forge, ForgeCallCounter, LockHolder, LockRelease, LockState } from './types.js'

/**
 * Gitea REST /api/v1, 1.22 as the floor (swagger operations named as in templates/swagger/v1_json.tmpl),
 * through the same Octokit client as GitHub (src/forge/octokit.ts): `request('GET /repos/{owner}/…')` at
 * `<gitea>/api/v1`, `Authorization: token …`. Branch, tag and ref names go into Gitea's wildcard routes with
 * their slashes as they are (src/forge/paths.ts).
 * - branch head: `GET /repos/{o}/{r}/branches/{branch}` (repoGetBranch) → `commit.id`. Gitea answers no
 *   ETag here, so the read is sent unconditionally and only counted.
 * - default branch: `GET /repos/{o}/{r}` (repoGet) → `default_branch`.
 * - resolve: `GET /repos/{o}/{r}/git/commits/{sha}` (repoGetSingleCommit: "a git ref or commit sha";
 *   short SHAs resolve through git) → `sha`; stat/verification/files off, they cost the server work.
 * - ancestry: Gitea's compare (repoCompareDiff) has no ahead/behind `status`, and before 1.23 it takes
 *   only branch or tag names (a SHA gets 404, go-gitea/gitea#32801). The commit list (repoGetAllCommits)
 *   takes `sha` and `not` (go-gitea/gitea#24409, Gitea 1.20+) and counts with `git rev-list --count
 *   <sha> --not <not>` into X-Total-Count. So `sha=head&not=base&limit=1` is the number of commits head
 *   has that base lacks, and the reverse gives the other side: exact for any distance, two one-item
 *   requests, the same on every version from 1.20 on. This replaces both compare (which on 1.23+ would
 *   return every commit between, with stats) and a bounded walk of the commit list (which cannot tell
 *   "far" from "unrelated").
 * - statuses: `GET /repos/{o}/{r}/commits/{ref}/statuses` (repoListStatusesByRef) with sort=leastindex,
 *   which Gitea maps to `index DESC` (newest first; the default sort is created_unix DESC and ties within a
 *   second), response field `status`; `POST /repos/{o}/{r}/statuses/{sha}` (repoCreateStatus,
 *   CreateStatusOption) with request field `state`.
 * - deploy lock: generation tags, see src/forge/lock-gitea.ts.
 */
export interface GiteaForgeOptions {
  readonly repository: string
  readonly http: Omit<ForgeClientOptions, 'token' | 'headers' | 'permissionFor' | 'forgeClock'>
  readonly token: string
  /** Pages of statuses read at most when looking for a context. */
  readonly maxStatusPages?: number
}

/** Gitea's default MAX_RESPONSE_ITEMS; a larger limit is capped to it. */
const STATUS_PAGE = 50
const QUIET_COMMIT = { stat: false, verification: false, files: false } as const

export class GiteaForge implements Forge {
  readonly kind = 'gitea' as const
  readonly repository: string
  private readonly client: ForgeClient
  private readonly locks: GiteaLocks
  private readonly repo: RepositoryParams
  private readonly maxStatusPages: number
  private readonly forgeClock: ForgeClock

  constructor(options: GiteaForgeOptions) {
    this.repository = options.repository
    this.repo = repositoryParams(options.repository)
    this.maxStatusPages = options.maxStatusPages ?? 10
    this.forgeClock = new ForgeClock(options.http.clock)
    this.client = new ForgeClient({
      ...options.http,
      token: options.token,
      headers: { accept: 'application/json', 'user-agent': 'fleet-forward' },
      // Gitea scopes tokens per area; the lock's tags and the statuses need repository write access.
      permissionFor: (req) => (req.method === 'GET' ? 'read:repository' : 'write:repository'),
      forgeClock: this.forgeClock
    })
    this.locks = new GiteaLocks(this.client, this.repo)
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

  get calls(): ForgeCallCounter {
    return this.client.calls
  }

  private get request(): ForgeClient['octokit']['request'] {
    return this.client.octokit.request
  }

  async readBranchHead(branch: string): Promise<string> {
    const answer = await this.request('GET /repos/{owner}/{repo}/branches/{+branch}', {
      ...this.repo,
      branch: encodePath(branch),
      request: policy({ conditional: true })
    })
    const found = answer.data as { commit?: { id?: unknown } } | null
    return commitSha(found?.commit?.id, this.client.endpointOf('GET', answer))
  }

  async defaultBranch(): Promise<string> {
    const answer = await this.request('GET /repos/{owner}/{repo}', { ...this.repo, request: policy({ conditional: true }) })
    return defaultBranchOf(answer.data, this.client.endpointOf('GET', answer))
  }

  async resolveCommit(ref: string): Promise<string> {
    const answer = await this.request('GET /repos/{owner}/{repo}/git/commits/{+ref}', {
      ...this.repo,
      ref: encodePath(ref),
      ...QUIET_COMMIT,
      request: policy({ conditional: true })
    })
    const commit = answer.data as { sha?: unknown } | null
    return commitSha(commit?.sha, this.client.endpointOf('GET', answer))
  }

  async compare(base: string, head: string): Promise<Ancestry> {
    if (sameCommit(base, head)) return 'identical'
    const headOnly = await this.countCommits(head, base)
    const baseOnly = await this.countCommits(base, head)
    if (headOnly === 0 && baseOnly === 0) return 'identical'
    if (baseOnly === 0) return 'ahead'
    if (headOnly === 0) return 'behind'
    // Gitea before 1.20 ignores `not` and counts every commit from `sha`, which looks like divergence.
    // Counting a commit against itself (0 on a server that honours `not`) tells the two apart.
    if ((await this.countCommits(head, head)) !== 0) {
      throw new FleetError(
        `GET /repos/${this.repository}/commits ignores the 'not' parameter (Gitea before 1.20): ancestry of ${shortSha(base)} and ${shortSha(head)} cannot be read; fleet-forward needs Gitea 1.20 or newer`,
        'forge'
      )
    }
    return 'diverged'
  }

  /** Commits reachable from `from` and not from `not`. */
  private async countCommits(from: string, not: string): Promise<number> {
    const answer = await this.request('GET /repos/{owner}/{repo}/commits', { ...this.repo, sha: from, not, limit: 1, page: 1, ...QUIET_COMMIT })
    const header = answer.headers['x-total-count']
    const total = Number(header)
    if (header === undefined || !Number.isInteger(total) || total < 0) {
      throw payloadError(this.client.endpointOf('GET', answer), 'without an X-Total-Count header')
    }
    return total
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | null> {
    let seen = 0
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const answer = await this.request('GET /repos/{owner}/{repo}/commits/{+ref}/statuses', {
        ...this.repo,
        ref: encodePath(sha),
        sort: 'leastindex',
        limit: STATUS_PAGE,
        page
      })
      const statuses: unknown = answer.data
      if (!Array.isArray(statuses)) throw payloadError(this.client.endpointOf('GET', answer), 'without a status list')
      const match = (statuses as GiteaStatus[]).find((status) => status.context === context)
      if (match) return toCommitStatus(match)
      seen += statuses.length
      const total = Number(answer.headers['x-total-count'])
      if (statuses.length === 0 || (Number.isFinite(total) && seen >= total)) return null
    }
    return null
  }

  async setStatus(sha: string, status: CommitStatus): Promise<void> {
    await this.request('POST /repos/{owner}/{repo}/statuses/{+sha}', {
      ...this.repo,
      sha: encodePath(sha),
      state: status.state,
      context: status.context,
      description: status.description,
      target_url: status.targetUrl ?? '',
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      request: policy({ idempotent: true })
    })
  }
}

interface GiteaStatus {
  status?: unknown
  context?: unknown
  description?: unknown
  target_url?: unknown
}

/** Gitea also knows `warning` (and newer versions `skipped`); neither is a success, so the gate treats them as not verified. */
function giteaState(value: unknown): CommitState {
  if (value === 'success' || value === 'pending' || value === 'failure' || value === 'error') return value
  return value === 'warning' ? 'failure' : 'error'
}

function toCommitStatus(status: GiteaStatus): CommitStatus {
  return {
    context: String(status.context),
    state: giteaState(status.status),
    description: typeof status.description === 'string' ? status.description : '',
    targetUrl: typeof status.target_url === 'string' && status.target_url ? status.target_url : null
  }
}
