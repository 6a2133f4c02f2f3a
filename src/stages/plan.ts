import type { Ancestry, Logger, TenantReport } from '../core/types.js'
import { shortSha } from '../util/sha.js'

/**
 * Which tenants the redeploy may touch. Never a healthy tenant (it already reports the expected commit),
 * never one that is ahead (a newer deploy landed) unless rolling back on purpose, and never one whose
 * commit cannot be proven older than or unrelated to the expected one: when the forge cannot answer,
 * leaving a tenant alone can at worst leave it stale (reported red by verify), while rolling it could
 * move it backward.
 */
export async function tenantsToRoll(
  reports: readonly TenantReport[],
  expectedSha: string,
  allowRollback: boolean,
  compare: (base: string, head: string) => Promise<Ancestry>,
  log: Logger
): Promise<string[]> {
  const relationOf = new Map<string, Promise<Ancestry | null>>()
  const unproven: string[] = []
  const roll: string[] = []
  for (const tenant of reports) {
    if (tenant.state === 'converged') continue
    if (allowRollback || tenant.state === 'unreachable' || tenant.state === 'pending' || tenant.actual === null) {
      roll.push(tenant.name)
      continue
    }
    if (tenant.state === 'ahead') continue
    const actual = tenant.actual.toLowerCase()
    if (!relationOf.has(actual)) relationOf.set(actual, compare(expectedSha, actual).catch(() => null))
    const relation = await relationOf.get(actual)
    if (relation === 'behind' || relation === 'diverged') roll.push(tenant.name)
    else if (relation === null) unproven.push(tenant.name)
  }
  if (unproven.length > 0) {
    const names = unproven.slice(0, 10).join(', ') + (unproven.length > 10 ? ` and ${unproven.length - 10} more` : '')
    log.warning(
      `not redeploying ${unproven.length} tenant(s) whose commit could not be compared with ${shortSha(expectedSha)}: ${names}; rolling them could move them backward`
    )
  }
  return roll
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

