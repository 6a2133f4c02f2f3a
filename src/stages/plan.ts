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
 */
export interface RolloutPlan {
  readonly proven: readonly string[]
  readonly ifOwner: readonly string[]
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
  for (const tenant of reports) {
    if (tenant.state === 'converged') continue
    if (allowRollback) {
      proven.push(tenant.name)
      continue
    }
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
  }
  if (uncomparable.length > 0) {
    log.warning(
      `not redeploying ${uncomparable.length} tenant(s) whose commit could not be compared with ${shortSha(expectedSha)}: ${listNames(uncomparable)}; rolling them could move them backward`
    )
  }
  return { proven, ifOwner }
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

/**
 * The tenants this run tells to roll, right before the first side effect. Tenants of unknown or
 * unrelated commit are rolled only when `owns`: the read right before this side effect, made
 * while holding the lock, found the branch at this run's commit, so no newer commit exists and no other
 * run can act. A run that failed open may be an older one; those tenants are left alone and verify
 * reports them. And when it failed open and any tenant already runs a descendant of its commit, a newer
 * deploy has landed: this run rolls nothing at all, since a tenant that reported an older commit may be
 * one whose container fell back for a moment, and rolling it would move it behind that newer deploy.
 * In any order: the waves are cut in fleet order (planWaves).
 */
export function tenantsToRoll(plan: RolloutPlan, reports: readonly TenantReport[], owns: boolean, log: Logger): readonly string[] {
  const newer = reports.filter((t) => t.state === 'ahead')
  if (!owns && newer.length > 0) {
    log.warning(
      `not redeploying any tenant: this run could not prove it owns the branch, and ${newer.length} tenant(s) already run a newer commit (${listNames(newer.map((t) => `${t.name} actual=${shortSha(t.actual!)}`))})`
    )
    return []
  }
  if (!owns && plan.ifOwner.length > 0) {
    log.warning(
      `not redeploying ${plan.ifOwner.length} tenant(s) whose commit is unknown or unrelated (${listNames(plan.ifOwner)}): this run could not prove it owns the branch, and rolling them could move them backward`
    )
  }
  return owns ? [...plan.proven, ...plan.ifOwner] : plan.proven
}

/** What a dry run needed and could not read (the branch head, tenants' commits), or null: a plan built on guesses is red. */
export function unreadForPlan(headRead: boolean, reports: readonly TenantReport[]): string | null {
  const missing: string[] = []
  if (!headRead) missing.push('the branch head could not be read (see the warning above)')
  const unknown = reports.filter((t) => t.actual === null || t.state === 'unreachable')
  if (unknown.length > 0)
    missing.push(`${unknown.length} tenant(s) could not be read (${listNames(unknown.map((t) => `${t.name}: ${t.error_class ?? t.state}`))})`)
  return missing.length > 0 ? missing.join('; ') : null
}
