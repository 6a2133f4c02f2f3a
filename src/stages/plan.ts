import type { Ancestry, Logger, TenantReport } from '../types.js'
import type { LockRun } from '../forge/types.js'
import { listNames } from '../fleet/report.js'
import { neutralize } from '../util/sanitize.js'
import { sameCommit, shortSha } from '../util/sha.js'

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
 * may not own the branch rolls nothing when there is any (tenantsToRoll).
 * `newerHolder` is a run that held the lock before this one (waited on, taken over from, or named by the
 * release this run found) whose commit is not proven older than the expected one: its rollouts may still
 * be landing on tenants this run read behind, so a run that may not own the branch rolls nothing either.
 */
export interface RolloutPlan {
  readonly proven: readonly string[]
  readonly ifOwner: readonly string[]
  readonly newer: readonly { readonly name: string; readonly actual: string }[]
  readonly newerHolder?: LockRun
}

export async function planRollout(
  reports: readonly TenantReport[],
  expectedSha: string,
  allowRollback: boolean,
  compare: (base: string, head: string) => Promise<Ancestry>,
  log: Logger,
  previousHolders: readonly LockRun[] = []
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
  const plan = { proven, ifOwner, newer }
  if (allowRollback) return plan
  for (const holder of previousHolders) {
    if (sameCommit(holder.sha, expectedSha)) continue
    const relation = await compare(expectedSha, holder.sha).catch(() => null)
    if (relation !== 'behind') return { ...plan, newerHolder: { runUrl: holder.runUrl, sha: holder.sha } }
  }
  return plan
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
 * The tenants this run tells to roll, right before the first side effect. `notOwner` is null when the read
 * right before this side effect, made while holding the lock, found the branch at this run's commit and the
 * run deploys that commit: no newer commit exists and no other run can act, so tenants of unknown or
 * unrelated commit are rolled too. Otherwise it says why not, and those tenants are left alone (verify
 * reports them). And when it may not own the branch and any tenant runs a commit not proven older (`newer`),
 * a newer deploy may have landed: this run rolls nothing at all, since a tenant that reported an older commit
 * may be one whose container fell back for a moment, and rolling it would move it behind that newer deploy;
 * the same when the run it waited on for the lock deployed a commit not proven older (`newerHolder`).
 * In any order: the waves are cut in fleet order (planWaves).
 */
export function tenantsToRoll(plan: RolloutPlan, notOwner: string | null, log: Logger): readonly string[] {
  if (notOwner === null) return [...plan.proven, ...plan.ifOwner]
  if (plan.newerHolder) {
    const { runUrl, sha } = plan.newerHolder
    log.warning(
      `not redeploying any tenant: ${notOwner}, and the run that held the lock before it (${neutralize(runUrl, 300) || 'an unknown run'}, commit ${neutralize(shortSha(sha), 40)}) deployed a commit not proven older, whose rollouts may still be landing`
    )
    return []
  }
  if (plan.newer.length > 0) {
    log.warning(
      `not redeploying any tenant: ${notOwner}, and ${plan.newer.length} tenant(s) already run a newer commit (${listNames(plan.newer.map((t) => `${t.name} actual=${shortSha(t.actual)}`))})`
    )
    return []
  }
  if (plan.ifOwner.length > 0) {
    log.warning(
      `not redeploying ${plan.ifOwner.length} tenant(s) whose commit is unknown or unrelated (${listNames(plan.ifOwner)}): ${notOwner}, and rolling them could move them backward`
    )
  }
  return plan.proven
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
