import type { Ancestry, Logger, TenantState } from '../types.js'
import { classifyError, describeError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { sameCommit, shortSha } from '../util/sha.js'

/** What a tenant's reported commit alone makes it. */
export type CommitState = Extract<TenantState, 'converged' | 'ahead' | 'stale'>

export type CompareCommits = (base: string, head: string) => Promise<Ancestry>

export interface ClassifierOptions {
  readonly expectedSha: string
  readonly allowRollback: boolean
  /** Ancestry from the forge; without it, any other commit is stale. */
  readonly compare?: CompareCommits
  readonly log: Pick<Logger, 'warning'>
}

export interface CommitClassifier {
  /** State of a tenant reporting `actual`: converged, ahead or stale. */
  stateOf(actual: string): Promise<CommitState>
  /** Starts a round: a commit whose ancestry could not be read is asked again (once) this round. */
  nextRound(): void
}

/**
 * Classifies reported commits against the expected one. Ancestry is asked once per distinct commit for
 * the whole run (a fleet of 10,000 reports one to three commits), so forge calls do not grow with the
 * fleet. When the forge cannot answer, the tenant is stale (fail-closed: we could not prove it is
 * ahead); the reason is logged once per commit and the question is asked again next round.
 */
export function createClassifier(options: ClassifierOptions): CommitClassifier {
  const ancestry = new Map<string, Promise<Ancestry | null>>()
  const failed = new Set<string>()
  const warned = new Set<string>()

  const ask = async (actual: string): Promise<Ancestry | null> => {
    try {
      return await options.compare!(options.expectedSha, actual)
    } catch (error) {
      failed.add(actual)
      if (!warned.has(actual)) {
        warned.add(actual)
        options.log.warning(
          `could not tell whether ${shortSha(actual)} descends from ${shortSha(options.expectedSha)} ` +
            `(${classifyError(error)}: ${neutralize(describeError(error), 200)}); tenants reporting it count as stale`
        )
      }
      return null
    }
  }

  return {
    async stateOf(actual) {
      if (sameCommit(actual, options.expectedSha)) return 'converged'
      if (!options.compare) return 'stale'
      const key = actual.toLowerCase()
      let answer = ancestry.get(key)
      if (!answer) {
        answer = ask(key)
        ancestry.set(key, answer)
      }
      const relation = await answer
      if (relation === 'identical') return 'converged'
      // A descendant means a newer deploy landed: fine, unless the user is deliberately rolling back.
      if (relation === 'ahead') return options.allowRollback ? 'stale' : 'ahead'
      return 'stale'
    },
    nextRound() {
      for (const sha of failed) ancestry.delete(sha)
      failed.clear()
    }
  }
}

/**
 * A tenant's state once its health check had its say (src/fleet/health.ts): on the expected commit (or
 * a newer one) but not healthy, or not healthy yet, is `unhealthy`, never `converged`.
 */
export function withHealth(state: CommitState, healthy: boolean | null | undefined): TenantState {
  return healthy === false && state !== 'stale' ? 'unhealthy' : state
}
