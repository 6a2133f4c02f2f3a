import { HttpStatusError } from '../util/errors.js'
import { isNotFound, RepositoryNotFoundError } from './errors.js'
import { decodeLock, encodeLock, isRelease, recordSha, stateOf } from './lock-holder.js'
import { policy, type ForgeClient } from './octokit.js'
import { commitSha, payloadError } from './payload.js'
import type { RepositoryParams } from './paths.js'
import type { ForgeLocks, LockHolder, LockRelease, LockState } from './types.js'

/**
 * The deploy lock on GitHub: the ref `refs/fleet-forward/locks/<environment>` points at a commit whose
 * message names the holder, or the run that released it (src/forge/lock-holder.ts). The ref's commit SHA
 * is the lock's version.
 * - Record commit: `git.createCommit` with the tree of the run's own commit (`git.getCommit` → `tree.sha`)
 *   and no parent. Reusing a tree that exists avoids creating one; the commit is new
 *   every time (its message carries a nonce and a lease end, or the release, its committer a date).
 * - Take a lock that was never taken: `git.createRef` (create-if-absent: 422 "Reference already exists").
 * - Take a released lock, take over an expired lease, renew, release: GraphQL `updateRefs` with
 *   `beforeOid` = the version observed, a compare-and-swap on the ref. A release points the ref at a
 *   release commit rather than deleting it, so the next run learns who released it. REST `PATCH
 *   /git/refs` with `force` checks nothing, so it is never used.
 * Refs outside refs/heads and refs/tags start no workflow and show in no branch or tag list.
 * Needs `contents: write`. Requests go through Octokit's typed endpoints and `graphql` (src/forge/octokit.ts);
 * GraphQL goes to the API's GraphQL root (https://api.github.com/graphql, or https://HOST/api/graphql on GitHub Enterprise Server).
 */
const LOCK_NAMESPACE = 'refs/fleet-forward/locks'
const UPDATE_REFS = 'mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }'

export class GitHubLocks implements Pick<ForgeLocks, 'readLock' | 'swapLock'> {
  private repositoryNodeId: string | null = null
  private readonly trees = new Map<string, string>()

  constructor(
    private readonly client: ForgeClient,
    private readonly repo: RepositoryParams
  ) {}

  private get git(): ForgeClient['octokit']['rest']['git'] {
    return this.client.octokit.rest.git
  }

  async readLock(name: string): Promise<LockState | null> {
    let ref: Awaited<ReturnType<typeof this.git.getRef>>
    try {
      ref = await this.git.getRef({ ...this.repo, ref: refOf(name).slice('refs/'.length) })
    } catch (error) {
      if (!isNotFound(error)) throw error
      // No lock ref answers 404, and so does a repository the token cannot see: the repository read tells them apart.
      await this.repositoryId()
      return null
    }
    const version = commitSha(ref.data.object?.sha, this.client.endpointOf('GET', ref))
    const commit = await this.git.getCommit({ ...this.repo, commit_sha: version })
    return { version, ...decodeLock(commit.data.message) }
  }

  async swapLock(name: string, expected: string | null, next: LockHolder | LockRelease): Promise<LockState | null> {
    const ref = refOf(name)
    if (expected === null) {
      if (isRelease(next)) return null
      const sha = await this.recordCommit(name, next)
      try {
        await this.git.createRef({ ...this.repo, ref, sha })
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 422) return null
        throw error
      }
      return stateOf(sha, next)
    }
    const after = await this.recordCommit(name, next)
    const endpoint = 'POST /graphql (updateRefs)'
    // A beforeOid that no longer matches comes back as a GraphQL error (a FleetError of class forge); the
    // caller's next read tells a competitor's win from a failure. FORBIDDEN is a permission error.
    const answer = await this.client.octokit.graphql<{ updateRefs?: unknown } | null>(UPDATE_REFS, {
      input: { repositoryId: await this.repositoryId(), refUpdates: [{ name: ref, beforeOid: expected, afterOid: after, force: true }] },
      // Not repeated once sent, unless a rate limit refused it.
      request: policy({ idempotent: false, endpoint })
    })
    if (!answer?.updateRefs) throw payloadError(endpoint, 'without updateRefs')
    return stateOf(after, next)
  }

  private async recordCommit(name: string, next: LockHolder | LockRelease): Promise<string> {
    const commit = await this.git.createCommit({
      ...this.repo,
      message: encodeLock(name, next),
      tree: await this.treeOf(recordSha(next)),
      parents: [],
      // A repeated create only leaves an unreferenced commit behind.
      request: policy({ idempotent: true })
    })
    return commitSha(commit.data.sha, this.client.endpointOf('POST', commit))
  }

  private async treeOf(sha: string): Promise<string> {
    const known = this.trees.get(sha)
    if (known) return known
    const commit = await this.git.getCommit({ ...this.repo, commit_sha: sha })
    const tree = commitSha(commit.data.tree?.sha, this.client.endpointOf('GET', commit))
    this.trees.set(sha, tree)
    return tree
  }

  private async repositoryId(): Promise<string> {
    if (this.repositoryNodeId) return this.repositoryNodeId
    let repo: Awaited<ReturnType<ForgeClient['octokit']['rest']['repos']['get']>>
    try {
      repo = await this.client.octokit.rest.repos.get({ ...this.repo })
    } catch (error) {
      throw isNotFound(error) ? new RepositoryNotFoundError('github', `${this.repo.owner}/${this.repo.repo}`, error.endpoint) : error
    }
    const nodeId: unknown = repo.data.node_id
    if (typeof nodeId !== 'string' || !nodeId) throw payloadError(this.client.endpointOf('GET', repo), 'without a node_id')
    this.repositoryNodeId = nodeId
    return nodeId
  }
}

export function refOf(environment: string): string {
  return `${LOCK_NAMESPACE}/${environment}`
}
