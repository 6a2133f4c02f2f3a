import type { Ancestry, Logger, TenantReport } from '../core/types.js'
import { listNames } from '../fleet/report.js'
import { shortSha } from '../util/sha.js'

/**
 * Which tenants the redeploy may touch, in two tiers:
 * - `proven`: tenants whose commit was read and proven an ancestor of the expected one (rolling them
 *   moves them forward, whoever owns the branch);
 * - `ifOwner`: tenants whose commit is unknown (unreachable, unparseable) or unrelated (diverged). Only a
 *   run that has just proven it owns the branch, while holding the lock, may roll them: a run that
 *   failed open on ownership may be an older run, and they may be running a newer commit.
 * Never a healthy tenant (it already reports the expected commit), never one that is ahead (a newer
 * deploy landed) unless rolling back on purpose, and never one whose commit could not be compared
 * (forge error): leaving a tenant alone can at worst leave it stale (reported red by verify), while
 * rolling it could move it backward. With `allow-rollback` everything not converged is proven.
 * `newer` names the tenants whose commit was read and not proven older: a descendant (a newer deploy
 * landed), or one whose ancestry the forge could not answer, which may be one. A run that failed open
 * rolls nothing when there is any (src/core/deploy.ts, rollable).
 */
export interface RolloutPlan {
  readonly proven: readonly string[]
  readonly ifOwner: readonly string[]
  readonly newer: readonly { readonly name: string; readonly actual: string }[]
}

export async function planRollout(
  reports: readonly TenantReport[],
  expectedSha: string,
  allowRollback: boolean,
  compare: (base: string, head: string) => Promise<Ancestry>,
  log: Logger
): Promise<RolloutPlan> {
  const relationOf = new Map<string, Promise<Ancestry | null>>()
  const uncomparable: string[] = []
  const proven: string[] = []
  const ifOwner: string[] = []
  const newer: { name: string; actual: string }[] = []
  for (const tenant of reports) {
    if (tenant.state === 'converged') continue
    if (allowRollback) {
      proven.push(tenant.name)
      continue
    }
    if (tenant.state === 'ahead' && tenant.actual !== null) newer.push({ name: tenant.name, actual: tenant.actual })
    if (tenant.state === 'ahead') continue
    if (tenant.state === 'unreachable' || tenant.state === 'pending' || tenant.actual === null) {
      ifOwner.push(tenant.name)
      continue
    }
    const actual = tenant.actual.toLowerCase()
    if (!relationOf.has(actual))
      relationOf.set(
        actual,
        compare(expectedSha, actual).catch(() => null)
      )
    const relation = await relationOf.get(actual)
    if (relation === 'behind') proven.push(tenant.name)
    else if (relation === 'diverged') ifOwner.push(tenant.name)
    else if (relation === null) uncomparable.push(tenant.name)
    if (relation === 'ahead' || relation === null) newer.push({ name: tenant.name, actual })
  }
  if (uncomparable.length > 0) {
    log.warning(
      `not redeploying ${uncomparable.length} tenant(s) whose commit could not be compared with ${shortSha(expectedSha)}: ${listNames(uncomparable)}; rolling them could move them backward`
    )
  }
  return { proven, ifOwner, newer }
}

/** Ancestry answers are facts about immutable commits: each pair is asked once per run (failures are not kept). */
export function memoizeCompare(compare: (base: string, head: string) => Promise<Ancestry>): (base: string, head: string) => Promise<Ancestry> {
  const answers = new Map<string, Promise<Ancestry>>()
  return (base, head) => {
    const key = `${base.toLowerCase()}...${head.toLowerCase()}`
    let answer = answers.get(key)
    if (!answer) {
      answer = compare(base, head)
      answers.set(key, answer)
      answer.catch(() => answers.delete(key))
    }
    return answer
  }
}
