import { registryCredentials } from '../config/settings.js'
import { dryRunPlanLines } from '../report/dry-run.js'
import { checkGate } from '../stages/gate.js'
import { acquireRunLock } from '../stages/lock.js'
import { planRollout, unreadForPlan } from '../stages/plan.js'
import { resolveImageRevision } from '../stages/promote.js'
import { checkWindow } from '../stages/window.js'
import { isRecordedVerified, statusContext } from '../stages/status.js'
import { probeFleet } from '../stages/verify.js'
import { planWaves, waveOfTenants } from '../stages/waves.js'
import { InputError } from '../util/errors.js'
import { shortSha } from '../util/sha.js'
import { promoteImage } from './finish.js'
import type { Outcome, PipelineRun } from './run.js'
import type { TenantReport } from '../types.js'

/** Ownership, then the commit the fleet must report (read from the image when the tag does not name it). */
export async function checkOwner(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const owner = await run.guard.check()
  facts.headSha = owner.head
  if (owner.superseded) return { result: 'superseded', message: owner.message }
  // A head that could not be read was already warned about, with the same words.
  if (owner.head !== null) deps.log.info(owner.message)
  run.expectedSha = settings.expectedSha ?? (await expectedShaFromImage(run))
  facts.expectedSha = run.expectedSha
  return null
}

/**
 * Deploy windows and freezes (docs/contract.md, Deploy windows), decided on the forge's clock: the
 * ownership read before this is the run's first forge request, and the `Date` header of its answer set
 * that clock (were the forge unreachable, the runner's own clock stands in). Outside a window the run
 * ends `deferred` before the gate and the lock, touching nothing; a dry run only says what would happen.
 */
export async function deferOutsideWindow(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const check = checkWindow(settings.windows, deps.forge.forgeNow())
  facts.window = check.record
  facts.override = check.override
  if (check.log) deps.log[check.log.level](check.log.text)
  if (!check.deferred) return null
  if (!settings.dryRun) return { result: 'deferred', message: check.deferred }
  deps.log.info(`a run now would be ${check.deferred}`)
  return null
}

/** Before anything is written or waited for: an unverified commit is blocked at once. */
export async function passGate(run: PipelineRun): Promise<Outcome | null> {
  const upstream = run.settings.requireVerifiedIn
  if (!upstream) return null
  const gate = await checkGate(run.deps.forge, run.expectedSha, upstream, run.deps.log)
  return gate.passed ? null : { result: 'blocked', message: gate.message }
}

/** Everything after this runs alone for this environment (a dry run writes nothing, not even a lock). */
export async function takeLock(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, held } = run
  if (settings.dryRun) return null
  const locked = await acquireRunLock(settings, {
    forge: deps.forge,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    stillOwner: () => run.guard.stillOwner(),
    nonce: deps.lockNonce,
    onClaim: (nonce) => deps.onLock?.(nonce ? { environment: settings.environment, nonce } : null)
  })
  if (locked.status === 'superseded') return run.superseded()
  if (locked.status === 'blocked') return { result: 'blocked', message: locked.message }
  if (locked.status === 'held') held.lock = locked.lock
  held.attempted = true
  return null
}

/** One probe of the fleet decides who is rolled; a recorded commit the fleet still reports is a noop; a dry run ends here. */
export async function plan(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts, expectedSha } = run
  const initial = await probeFleet(settings.tenants, expectedSha, {
    shaFields: settings.shaFields,
    allowRollback: settings.allowRollback,
    compare: run.compare,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    probe: { dispatcher: deps.dispatcher }
  })
  facts.tenants = initial
  facts.before = new Map(initial.map((report) => [report.name, report.actual]))
  for (const report of initial) run.reports.set(report.name, report)
  run.rollout = await planRollout(initial, expectedSha, settings.allowRollback, run.compare, deps.log, run.held.lock?.previous ?? [])
  const { proven, ifOwner } = run.rollout
  run.plan =
    `${proven.length + ifOwner.length} of ${initial.length} tenant(s) to roll to ${settings.targetTag} (${shortSha(expectedSha)})` +
    (ifOwner.length ? `, ${ifOwner.length} of them (commit unknown or unrelated) only if this run proves it owns the branch` : '')
  if (initial.every((t) => t.state === 'converged') && (await isRecordedVerified(deps.forge, expectedSha, settings.environment, deps.log))) {
    return {
      result: 'noop',
      message: `${shortSha(expectedSha)} is already recorded as ${statusContext(settings.environment)} and all ${initial.length} tenant(s) still report it: nothing redeployed or promoted`
    }
  }
  return settings.dryRun ? dryRun(run) : null
}

/** A dry run's plan, wave by wave (who would roll, from which commit), and what the promotion would do; nothing written. */
async function dryRun(run: PipelineRun): Promise<Outcome> {
  const { settings, deps, facts } = run
  const waves = planWaves(settings.tenants, [...run.rollout.proven, ...run.rollout.ifOwner], settings.rollout.waves)
  facts.tenantWave = waveOfTenants(waves)
  for (const line of dryRunPlanLines(waves, (name) => commitOf(run.reports.get(name)!), shortSha(run.expectedSha))) deps.log.info(line)
  const promotion = await promoteImage(run, true)
  const promote = promotion ? `; promotion ${promotion.status}: ${promotion.message}` : ''
  const unread = unreadForPlan(run.guard.proven, facts.tenants)
  if (unread) return { result: 'failed', message: `dry run could not plan: ${unread}${promote}; nothing written`, errorClass: 'forge' }
  return { result: 'planned', message: `dry run: ${run.plan}${promote}; nothing written` }
}

function commitOf(report: TenantReport): string {
  return report.actual ? shortSha(report.actual) : `unknown (${report.state}${report.error_class ? `: ${report.error_class}` : ''})`
}

/** A tag not derived from the run's commit (workflow_dispatch `staging-latest`) names its commit in the image. */
async function expectedShaFromImage(run: PipelineRun): Promise<string> {
  const { settings, deps } = run
  const promotion = settings.promotion
  if (!promotion) throw new InputError('expected-sha', 'cannot be derived without image')
  const revision = await resolveImageRevision(promotion.image, settings.targetTag, {
    credentials: registryCredentials(promotion),
    clock: deps.clock,
    dispatcher: deps.dispatcher
  })
  if (!revision) {
    throw new InputError(
      'expected-sha',
      `cannot be derived: ${promotion.image}:${settings.targetTag} has no org.opencontainers.image.revision label or annotation; pass expected-sha`
    )
  }
  deps.log.info(`expected commit ${shortSha(revision)}, read from ${promotion.image}:${settings.targetTag}`)
  return revision.toLowerCase()
}
