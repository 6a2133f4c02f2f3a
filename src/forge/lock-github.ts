import { HttpStatusError } from '../util/errors.js'
import { encodePath } from './http.js'
import { decodeHolder, encodeHolder } from './lock-holder.js'
import type { GitHubClient } from './octokit.js'
import { commitSha, payloadError } from './payload.js'
import type { ForgeLocks, LockHolder, LockState } from './types.js'

/**
 * The deploy lock on GitHub: the ref `refs/fleet-forward/locks/<environment>` points at a commit whose
 * message names the holder (src/forge/lock-holder.ts). The ref's commit SHA is the lock's version.
 * - Holder commit: `POST /git/commits` with the tree of the run's own commit (`GET /git/commits/{sha}`
 *   → `tree.sha`) and no parent. Reusing a tree that exists avoids creating one; the commit is new
 *   every time (its message carries a nonce and a lease end, its committer a date).
 * - Take a free lock: `POST /git/refs` (create-if-absent: 422 "Reference already exists" when held).
 * - Take over an expired lease, renew, release: GraphQL `updateRefs` with `beforeOid` = the version
 *   observed, a compare-and-swap on the ref; `afterOid` all zeros deletes it (release). REST `PATCH
 *   /git/refs` with `force` checks nothing, so it is never used.
 * Refs outside refs/heads and refs/tags start no workflow and show in no branch or tag list.
 * Needs `contents: write`. Requests go through Octokit (src/forge/octokit.ts); GraphQL goes to the API's
 * GraphQL root (https://api.github.com/graphql, or https://HOST/api/graphql on GitHub Enterprise Server).
 */
const LOCK_NAMESPACE = 'refs/fleet-forward/locks'
const ZERO_OID = '0'.repeat(40)
const UPDATE_REFS = 'mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }'

export class GitHubLocks implements Pick<ForgeLocks, 'readLock' | 'swapLock'> {
  private repositoryNodeId: string | null = null
  private readonly trees = new Map<string, string>()

  constructor(
    private readonly api: GitHubClient,
    private readonly repoPath: string
  ) {}

  async readLock(name: string): Promise<LockState | null> {
    const path = `${this.repoPath}/git/ref/${encodePath(refOf(name).slice('refs/'.length))}`
    let ref: { object?: { sha?: unknown } }
    try {
      ref = (await this.api.call<{ object?: { sha?: unknown } }>('GET', path)).data
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) return null
      throw error
    }
    const version = commitSha(ref.object?.sha, `GET ${path}`)
    const commit = (await this.api.call<{ message?: unknown }>('GET', `${this.repoPath}/git/commits/${version}`)).data
    return { version, holder: decodeHolder(commit.message) }
  }

  async swapLock(name: string, expected: string | null, next: LockHolder | null): Promise<LockState | null> {
    const ref = refOf(name)
    if (expected === null) {
      if (next === null) return null
      const sha = await this.holderCommit(name, next)
      try {
        await this.api.call('POST', `${this.repoPath}/git/refs`, { body: { ref, sha } })
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 422) return null
        throw error
      }
      return { version: sha, holder: next }
    }
    const after = next ? await this.holderCommit(name, next) : ZERO_OID
    const endpoint = 'POST /graphql (updateRefs)'
    // A beforeOid that no longer matches comes back as a GraphQL error (a FleetError of class forge); the
    // caller's next read tells a competitor's win from a failure. FORBIDDEN is a permission error.
    const answer = await this.api.graphql<{ updateRefs?: unknown }>(
      UPDATE_REFS,
      { input: { repositoryId: await this.repositoryId(), refUpdates: [{ name: ref, beforeOid: expected, afterOid: after, force: true }] } },
      endpoint
    )
    if (!answer?.updateRefs) throw payloadError(endpoint, 'without updateRefs')
    return next ? { version: after, holder: next } : { version: ZERO_OID, holder: null }
  }

  private async holderCommit(name: string, holder: LockHolder): Promise<string> {
    const path = `${this.repoPath}/git/commits`
    const commit = await this.api.call<{ sha?: unknown }>('POST', path, {
      body: { message: encodeHolder(name, holder), tree: await this.treeOf(holder.sha), parents: [] },
      // A repeated create only leaves an unreferenced commit behind.
      idempotent: true
    })
    return commitSha(commit.data.sha, `POST ${path}`)
  }

  private async treeOf(sha: string): Promise<string> {
    const known = this.trees.get(sha)
    if (known) return known
    const path = `${this.repoPath}/git/commits/${encodePath(sha)}`
    const commit = (await this.api.call<{ tree?: { sha?: unknown } }>('GET', path)).data
    const tree = commitSha(commit.tree?.sha, `GET ${path}`)
    this.trees.set(sha, tree)
    return tree
  }

  private async repositoryId(): Promise<string> {
    if (this.repositoryNodeId) return this.repositoryNodeId
    const repo = (await this.api.call<{ node_id?: unknown }>('GET', this.repoPath)).data
    if (typeof repo.node_id !== 'string' || !repo.node_id) throw payloadError(`GET ${this.repoPath}`, 'without a node_id')
    this.repositoryNodeId = repo.node_id
    return repo.node_id
  }
}

export function refOf(environment: string): string {
  return `${LOCK_NAMESPACE}/${environment}`
}
