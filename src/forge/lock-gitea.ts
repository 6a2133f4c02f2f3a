import { HttpStatusError } from '../util/errors.js'
import { isNotFound, RepositoryNotFoundError } from './errors.js'
import { decodeLock, encodeLock, recordSha, stateOf } from './lock-holder.js'
import type { ForgeClient } from './octokit.js'
import { payloadError } from './payload.js'
import { encodePath, type RepositoryParams } from './paths.js'
import type { ForgeLocks, LockHolder, LockRelease, LockState } from './types.js'

/**
 * The deploy lock on Gitea (1.22 and later). Gitea has no compare-and-swap on a ref, but creating a tag
 * that exists answers 409: create-if-absent. The lock is a sequence of generation tags
 * `fleet-forward-lock/<environment>/g<n>`; the tag with the highest n is the lock's state (version n),
 * its annotated message names the holder (or the run that released it).
 *
 * A transition from the observed state n (take, take over an expired lease, renew, release) creates
 * tag n+1, and only one creator of a name succeeds: that is the compare-and-swap. Two runs that saw n
 * both try n+1; one wins, the other gets 409 and re-reads. A run with a stale view (it saw m < n) tries
 * m+1, which exists (409), or was pruned: then it is created below n, and the read-back after every
 * create (our generation must be the highest) rejects it. Generations below n are pruned after a
 * transition (best effort), so the tags stay few. A holder that crashed leaves its generation in place
 * until its lease ends; then it is taken over by creating the next generation.
 *
 * Reads: `GET /git/refs/tags/fleet-forward-lock/<environment>/g` lists every generation (Gitea filters refs
 * by prefix), then `GET /git/tags/{sha}` reads the newest one's message. The tags fire `create`/`push`
 * events: workflows triggered on push should filter `branches:` (a branch filter alone excludes tags).
 * Needs a token that may push tags.
 */
export class GiteaLocks implements Pick<ForgeLocks, 'readLock' | 'swapLock'> {
  constructor(
    private readonly client: ForgeClient,
    private readonly repo: RepositoryParams
  ) {}

  private get request(): ForgeClient['octokit']['request'] {
    return this.client.octokit.request
  }

  async readLock(name: string): Promise<LockState | null> {
    const newest = (await this.generations(name))[0]
    if (!newest) return null
    const tag = newest.type === 'tag' ? await this.request('GET /repos/{owner}/{repo}/git/tags/{sha}', { ...this.repo, sha: newest.sha }) : null
    const message = (tag?.data as { message?: unknown } | undefined)?.message
    return { version: String(newest.n), ...decodeLock(message) }
  }

  async swapLock(name: string, expected: string | null, next: LockHolder | LockRelease): Promise<LockState | null> {
    const observed = expected === null ? 0 : Number(expected)
    if (!Number.isSafeInteger(observed) || observed < 0) return null
    const generation = observed + 1
    try {
      // Not idempotent (the default for a POST): the 409 of a second create would read as a lost race.
      await this.request('POST /repos/{owner}/{repo}/tags', {
        ...this.repo,
        tag_name: tagOf(name, generation),
        message: encodeLock(name, next),
        target: recordSha(next)
      })
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 409) return null
      throw error
    }
    const generations = await this.generations(name)
    if (generations[0]?.n !== generation) return null
    await this.prune(
      name,
      generations.filter((g) => g.n < observed)
    )
    return stateOf(String(generation), next)
  }

  /** Every generation of the lock, newest first. */
  private async generations(name: string): Promise<Generation[]> {
    const prefix = `tags/${tagOf(name, '')}`
    let answer: Awaited<ReturnType<ForgeClient['octokit']['request']>>
    try {
      answer = await this.request('GET /repos/{owner}/{repo}/git/refs/{+ref}', { ...this.repo, ref: encodePath(prefix) })
    } catch (error) {
      if (!isNotFound(error)) throw error
      // No generation answers 404, and so does a repository the token cannot see: the repository read tells them apart.
      await this.ensureRepositoryVisible()
      return []
    }
    // One exact match comes back as an object, several as a list.
    const refs: unknown[] = Array.isArray(answer.data) ? answer.data : [answer.data]
    const pattern = new RegExp(`^refs/${escapeRegExp(prefix)}(\\d+)$`)
    const found: Generation[] = []
    for (const ref of refs as { ref?: unknown; object?: { sha?: unknown; type?: unknown } }[]) {
      const match = typeof ref?.ref === 'string' ? pattern.exec(ref.ref) : null
      if (!match) continue
      if (typeof ref.object?.sha !== 'string') throw payloadError(this.client.endpointOf('GET', answer), 'a ref without an object')
      found.push({ n: Number(match[1]), sha: ref.object.sha, type: String(ref.object.type ?? '') })
    }
    return found.sort((a, b) => b.n - a.n)
  }

  private async ensureRepositoryVisible(): Promise<void> {
    try {
      await this.request('GET /repos/{owner}/{repo}', { ...this.repo })
    } catch (error) {
      throw isNotFound(error) ? new RepositoryNotFoundError('gitea', `${this.repo.owner}/${this.repo.repo}`, error.endpoint) : error
    }
  }

  private async prune(name: string, old: readonly Generation[]): Promise<void> {
    for (const generation of old) {
      try {
        await this.request('DELETE /repos/{owner}/{repo}/tags/{+tag}', { ...this.repo, tag: encodePath(tagOf(name, generation.n)) })
      } catch {
        // Pruning only keeps the tag list short; a leftover generation is ignored by every reader.
      }
    }
  }
}

interface Generation {
  readonly n: number
  readonly sha: string
  readonly type: string
}

export function tagOf(environment: string, generation: number | ''): string {
  return `fleet-forward-lock/${environment}/g${generation}`
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
