import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { Dispatcher } from 'undici'
import type { PromotionSettings, Settings } from '../config/settings.js'
import type { Forge } from '../forge/types.js'
import { finishDeployment, startDeployment, type RunDeployment } from '../stages/deployment.js'
import { checkGate } from '../stages/gate.js'
import { acquireRunLock, type HeldLock } from '../stages/lock.js'
import { OwnershipGuard } from '../stages/ownership.js'
import { promoteTag, resolveImageRevision, type PromoteOutcome } from '../stages/promote.js'
import { buildRecord, initialFacts, type RunFacts, type RunRecord } from '../stages/record.js'
import { memoizeCompare, planRollout, type RolloutPlan } from '../stages/plan.js'
import { redeployFleet, RedeployStopped } from '../stages/redeploy.js'
import { failureSummary, isRecordedVerified, statusContext, writeDeployStatus } from '../stages/status.js'
import { probeFleet, settleFleet, failureLines } from '../stages/verify.js'
import { planWaves, waveLabel, type Wave, type WaveResult } from '../stages/waves.js'
import { isSettled, listNames } from '../fleet/report.js'
import { dryRunPlanLines } from '../report/dry-run.js'
import { pendingReport } from '../fleet/round.js'
import type { Clock } from '../util/clock.js'
import { describeError, FleetError, InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { sameCommit, shortSha } from '../util/sha.js'
import type { Ancestry, Logger, Result, Tenant, TenantReport } from './types.js'

export interface DeployDeps {
  readonly forge: Forge
  readonly clock: Clock
  readonly log: Logger
  /** Aborted on cancellation (SIGINT/SIGTERM): stages stop promptly and the run records `aborted`. */
  readonly signal: AbortSignal
  /** HTTP dispatcher for tenants and the redeploy webhook (tests and simulations inject one). */
  readonly dispatcher?: Dispatcher
  /** Live progress, for the CLI's display. */
  readonly onRound?: (round: number, reports: readonly TenantReport[]) => void
  /**
   * Told the lock's nonce before the claim is sent (and null once the lock no longer names this run), so
   * the action's post step can release it if the run is killed or its own release fails.
   */
  readonly onLock?: (lock: { readonly environment: string; readonly nonce: string } | null) => void
  /** Told the id of the run's deployment once created (null once finished), so the action's post step can finish it if the run is killed. */
  readonly onDeployment?: (id: number | null) => void
  /** Told a running redeploy-command's process group (null once it ended), so the post step can stop it. */
  readonly onCommand?: (pgid: number | null) => void
  /** Lock nonce source (simulations inject a seeded one). */
  readonly lockNonce?: () => string
}

/** What the exit path needs to know: the lock to release, and whether side effects may have begun. */
interface RunState {
  lock: HeldLock | null
  /** Past the gate and the lock: a failure from here on is recorded on the commit. */
  attempted: boolean
  /** The run's deployment on the forge (GitHub), from the start of the redeploy; finished with the run's result. */
  deployment: RunDeployment | null
}

interface Outcome {
  result: Result
  message: string
  errorClass?: string | null
  /** The run could not prove it still held the lock: another run may own the record now, so none is written. */
  lockLost?: boolean
}

/**
 * The pipeline of docs/contract.md, read top to bottom:
 * ownership → gate → lock → plan → per wave: redeploy → verify (→ bake) → promote → record, with the
 * proof that the run may act (ownership, the lock) re-made while waiting for the lock, before every side
 * effect and between verify rounds. It never
 * throws: every exit path, cancellation and internal errors included, returns the run's one record,
 * and the lock is released on the way out.
 */
export async function deployFleet(settings: Settings, deps: DeployDeps): Promise<RunRecord> {
  // Every request in flight (64 probes, max-parallel redeploy calls) listens for the run's cancellation.
  setMaxListeners(0, deps.signal)
  const facts = initialFacts(
    deps.clock.now(),
    settings.tenants.map((t) => pendingReport(t.name)),
    settings.expectedSha
  )
  let outcome: Outcome
  const held: RunState = { lock: null, attempted: false, deployment: null }
  try {
    outcome = await runStages(settings, deps, facts, held)
  } catch (error) {
    outcome = deps.signal.aborted ? abortedOutcome(deps.signal) : failedOutcome(error)
  }
  try {
    // A deploy that failed after it began is recorded as a failure on the commit, like a stale one.
    if (outcome.result === 'failed' && held.attempted && !outcome.lockLost && facts.expectedSha) {
      await writeDeployStatus(
        deps.forge,
        facts.expectedSha,
        settings.environment,
        { verified: false, summary: failureSummary(outcome.errorClass) },
        settings.run.runUrl,
        deps.log
      )
    }
    // Still inside the lock: a late `success` would mark a newer run's deployment inactive.
    await finishDeployment(held.deployment, outcome.result)
  } finally {
    // A release the forge refused or did not answer keeps the saved nonce: the post step retries it.
    if (held.lock && (await held.lock.release())) deps.onLock?.(null)
  }
  // A configured promotion the run never reached is recorded as such: a red run says what became of the tag.
  if (settings.promotion && !facts.promotion) {
    facts.promotion = { image: settings.promotion.image, tag: settings.promotion.promoteTag, status: 'not_attempted', before: null, after: null }
  }
  const record = buildRecord(
    {
      environment: settings.environment,
      repository: settings.run.repository,
      forge: deps.forge.kind,
      runUrl: settings.run.runUrl,
      sha: settings.sha,
      targetTag: settings.targetTag,
      dryRun: settings.dryRun,
      actor: settings.run.actor
    },
    facts,
    deps.forge.calls,
    outcome,
    deps.clock.now()
  )
  return record
}

/**
 * One stage after the other; each returns the outcome that ends the run, or null to go on. The
 * steps share one `PipelineRun`: the settings, the ownership guard, the lock and what is known so far.
 */
async function runStages(settings: Settings, deps: DeployDeps, facts: RunFacts, held: RunState): Promise<Outcome> {
  const run = new PipelineRun(settings, deps, facts, held)
  return (
    (await checkOwner(run)) ??
    (await passGate(run)) ??
    (await takeLock(run)) ??
    (await plan(run)) ??
    (await rollOut(run)) ??
    (await promote(run)) ??
    (await recordVerified(run))
  )
}

/** How long one proof that the run may act stands for the side effects that follow it. */
const PROOF_REUSE_MS = 1_000

class PipelineRun {
  readonly guard: OwnershipGuard
  /** Ancestry answers are asked once per pair for the whole run. */
  readonly compare: (base: string, head: string) => Promise<Ancestry>
  expectedSha = ''
  rollout: RolloutPlan = { proven: [], ifOwner: [], newer: [] }
  /** The tenants actually told to roll. */
  toRoll: readonly string[] = []
  plan = ''
  promotion: PromoteOutcome | null = null
  /** When the first wave was told to roll: `seconds_to_converge` counts from here in every wave. */
  rolloutStartedAt = 0
  /** Each tenant's latest report, from planning on. */
  readonly reports = new Map<string, TenantReport>()
  /** Outside Actions there is no run id: a fresh key per invocation, so a new deploy is never taken for a duplicate. */
  readonly runKey: string
  private proof: { readonly at: number; readonly answer: Promise<Outcome | null> } | null = null

  constructor(
    readonly settings: Settings,
    readonly deps: DeployDeps,
    readonly facts: RunFacts,
    readonly held: RunState
  ) {
    this.guard = new OwnershipGuard(deps.forge, settings.branch, settings.sha, deps.log)
    this.compare = memoizeCompare((base, head) => deps.forge.compare(base, head))
    this.runKey = settings.run.runId ? `${settings.run.repository}#${settings.run.runId}.${settings.run.runAttempt}` : randomUUID()
  }

  superseded(): Outcome {
    this.facts.headSha = this.guard.verdict?.head ?? this.facts.headSha
    return { result: 'superseded', message: this.guard.verdict?.message ?? 'superseded' }
  }

  lostLock(): Outcome {
    return {
      result: 'failed',
      message: `this run could not prove it still holds lock '${this.settings.environment}' (see the warning above); stopped before the next side effect`,
      errorClass: 'forge',
      lockLost: true
    }
  }

  /**
   * Proof, right before a side effect, that this run still owns the branch and holds the lock. Per-tenant
   * calls pass `shared`: concurrent callers, and callers within PROOF_REUSE_MS of the last proof, get the
   * same answer, so the forge sees about one proof a second whatever the size of the fleet. Every other
   * proof (a wave's start and end, a verdict) is fresh: there are only a few per wave.
   */
  mayAct(shared = false): Promise<Outcome | null> {
    const now = this.deps.clock.now()
    if (shared && this.proof && now - this.proof.at < PROOF_REUSE_MS) return this.proof.answer
    const answer = this.prove()
    this.proof = { at: now, answer }
    // A proof that threw proves nothing: the next caller asks again.
    answer.catch(() => {
      if (this.proof?.answer === answer) this.proof = null
    })
    return answer
  }

  private async prove(): Promise<Outcome | null> {
    if (!(await this.guard.stillOwner())) return this.superseded()
    if (this.held.lock && !(await this.held.lock.ensureHeld())) return this.lostLock()
    return null
  }
}

/** Ownership, then the commit the fleet must report (read from the image when the tag does not name it). */
async function checkOwner(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const owner = await run.guard.check()
  facts.headSha = owner.head
  if (owner.superseded) return { result: 'superseded', message: owner.message }
  // A head that could not be read was already warned about, with the same words.
  if (owner.head !== null) deps.log.info(owner.message)
  run.expectedSha = settings.expectedSha ?? (await expectedShaFromImage(settings, deps))
  facts.expectedSha = run.expectedSha
  return null
}

/** Before anything is written or waited for: an unverified commit is blocked at once. */
async function passGate(run: PipelineRun): Promise<Outcome | null> {
  const upstream = run.settings.requireVerifiedIn
  if (!upstream) return null
  const gate = await checkGate(run.deps.forge, run.expectedSha, upstream, run.deps.log)
  return gate.passed ? null : { result: 'blocked', message: gate.message }
}

/** Everything after this runs alone for this environment (a dry run writes nothing, not even a lock). */
async function takeLock(run: PipelineRun): Promise<Outcome | null> {
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
async function plan(run: PipelineRun): Promise<Outcome | null> {
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
  run.rollout = await planRollout(initial, expectedSha, settings.allowRollback, run.compare, deps.log)
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
  if (!settings.dryRun) return null
  logWavePlan(run)
  const promotion = await promoteImage(run, true)
  const promote = promotion ? `; promotion ${promotion.status}: ${promotion.message}` : ''
  const unread = unreadForPlan(run)
  if (unread) return { result: 'failed', message: `dry run could not plan: ${unread}${promote}; nothing written`, errorClass: 'forge' }
  return { result: 'planned', message: `dry run: ${run.plan}${promote}; nothing written` }
}

/** What a dry run needed and could not read: the branch head, tenants' commits. A plan built on guesses is red. */
function unreadForPlan(run: PipelineRun): string | null {
  const missing: string[] = []
  if (!run.guard.proven) missing.push('the branch head could not be read (see the warning above)')
  const unknown = run.facts.tenants.filter((t) => t.actual === null || t.state === 'unreachable')
  if (unknown.length > 0)
    missing.push(`${unknown.length} tenant(s) could not be read (${listNames(unknown.map((t) => `${t.name}: ${t.error_class ?? t.state}`))})`)
  return missing.length > 0 ? missing.join('; ') : null
}

/** A dry run's plan, wave by wave: who would roll, from which commit; the record keeps each tenant's wave. */
function logWavePlan(run: PipelineRun): void {
  const { settings, deps, facts } = run
  const waves = planWaves(settings.tenants, [...run.rollout.proven, ...run.rollout.ifOwner], settings.rollout.waves)
  facts.tenantWave = waveOfTenants(waves)
  for (const line of dryRunPlanLines(waves, (name) => commitOf(run.reports.get(name)!), shortSha(run.expectedSha))) deps.log.info(line)
}

function waveOfTenants(waves: readonly Wave[]): Map<string, number> {
  return new Map(waves.flatMap((wave) => wave.tenants.map((t): [string, number] => [t.name, wave.index])))
}

function commitOf(report: TenantReport): string {
  return report.actual ? shortSha(report.actual) : `unknown (${report.state}${report.error_class ? `: ${report.error_class}` : ''})`
}

/**
 * The rollout, wave by wave (docs/contract.md, Waves): each wave is told to roll, then verified together with
 * every earlier wave (whose tenants are read again at this wave's verdict), then baked and confirmed.
 * More than `max-failures` tenants stale or unreachable halts the run: later waves are never touched.
 */
async function rollOut(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const { proven, ifOwner } = run.rollout
  if (proven.length + ifOwner.length > 0) {
    deps.log.info(run.plan)
    const refused = await run.mayAct()
    if (refused) return refused
    run.toRoll = rollable(run)
    if (run.toRoll.length > 0) {
      run.held.deployment = await startDeployment(deps.forge, settings, run.expectedSha, deps.log, deps.onDeployment)
      if (run.held.deployment) facts.deployment = { id: run.held.deployment.id, environment_url: settings.environmentUrl }
    }
  }
  const waves = planWaves(settings.tenants, run.toRoll, settings.rollout.waves)
  run.rolloutStartedAt = deps.clock.now()
  facts.waves = waves.map((wave) => ({
    wave: wave.index,
    tenants: wave.tenants.length,
    redeployed: wave.toRoll.length,
    result: 'not_attempted',
    seconds: null
  }))
  facts.tenantWave = waveOfTenants(waves)
  if (waves.length > 1)
    deps.log.info(`${waves.length} waves: ${waves.map((w) => `${w.toRoll.length}/${w.tenants.length}`).join(', ')} (tenants to roll/verified per wave)`)
  for (const wave of waves) {
    const record = facts.waves[wave.index - 1]
    const startedAt = deps.clock.now()
    const ended = await rollWave(run, wave, waves)
    record.seconds = Math.round((deps.clock.now() - startedAt) / 100) / 10
    record.result = ended?.wave ?? 'converged'
    if (ended) {
      markNotAttempted(facts, waves.slice(wave.index))
      return ended.outcome
    }
  }
  const failing = facts.tenants.filter((t) => !isSettled(t))
  if (failing.length === 0) return null
  return staleOutcome(
    run,
    `${failing.length} of ${facts.tenants.length} tenant(s) did not report ${shortSha(run.expectedSha)} (tolerated by max-failures ${settings.rollout.maxFailures}); :latest was not promoted`
  )
}

async function rollWave(run: PipelineRun, wave: Wave, waves: readonly Wave[]): Promise<{ outcome: Outcome; wave: WaveResult } | null> {
  const { settings, deps, facts } = run
  const label = waveLabel(wave, waves.length)
  const stopped = wave.toRoll.length > 0 ? await redeployWave(run, wave) : null
  if (stopped) return { outcome: stopped, wave: stopped.result === 'superseded' ? 'superseded' : 'failed' }
  // Earlier waves are verified again with this one: a tenant that regressed since counts now.
  const verified = waves.slice(0, wave.index).flatMap((w) => w.tenants)
  const settled =
    (await verifyTenants(run, verified)) ?? (settings.rollout.bakeSeconds > 0 ? ((await bake(run, label)) ?? (await verifyTenants(run, verified))) : null)
  if (settled) return { outcome: settled, wave: settled.result === 'aborted' ? 'aborted' : 'superseded' }
  const failing = verified.map((t) => run.reports.get(t.name)!).filter((t) => !isSettled(t))
  if (failing.length > settings.rollout.maxFailures) {
    const later = waves.length - wave.index
    const why = `${failing.length} tenant(s) did not report ${shortSha(run.expectedSha)} within ${settings.settleBudgetSeconds}s`
    const message =
      waves.length > 1
        ? `${label} halted: ${why}, more than max-failures ${settings.rollout.maxFailures}; ${later} later wave(s) not attempted`
        : `${failing.length} of ${facts.tenants.length} tenant(s) did not report ${shortSha(run.expectedSha)} within ${settings.settleBudgetSeconds}s`
    return { outcome: await staleOutcome(run, message), wave: 'halted' }
  }
  if (failing.length > 0)
    deps.log.warning(
      `${label}: ${failing.length} tenant(s) not verified (${listNames(failing.map((t) => t.name))}); within max-failures ${settings.rollout.maxFailures}, going on`
    )
  else if (waves.length > 1) deps.log.info(`${label} verified: ${verified.length} tenant(s)`)
  return null
}

/** Tells one wave to roll, after proof that the run may still act; per-tenant calls prove it again (cheaply) before each call. */
async function redeployWave(run: PipelineRun, wave: Wave): Promise<Outcome | null> {
  const { settings, deps, held } = run
  const refused = await run.mayAct()
  if (refused) return refused
  let stoppedBy: Outcome | null = null
  const toldAt = deps.clock.now()
  const redeployed = await redeployFleet(
    settings.redeploy,
    {
      tag: settings.targetTag,
      sha: run.expectedSha,
      environment: settings.environment,
      repository: settings.run.repository,
      tenants: wave.toRoll,
      runKey: run.runKey
    },
    {
      clock: deps.clock,
      log: deps.log,
      signal: deps.signal,
      dispatcher: deps.dispatcher,
      mayProceed: async () => (stoppedBy = await run.mayAct(true)) === null,
      heartbeatMs: heartbeatMs(held.lock),
      onCommand: deps.onCommand,
      maxParallel: settings.rollout.maxParallel
    }
  ).catch((error: unknown) => {
    if (error instanceof RedeployStopped && stoppedBy) return null
    throw error
  })
  if (redeployed === null) return stoppedBy ?? run.superseded()
  deps.log.info(redeployed)
  for (const name of wave.toRoll) run.facts.redeployedAt.set(name, toldAt)
  // A newer commit may have landed while the fleet was told to roll: a superseded run records nothing.
  return run.mayAct()
}

/**
 * Tenants of unknown or unrelated commit are rolled only when the read right before this side effect,
 * made while holding the lock, found the branch at this run's commit: then no newer commit exists and no
 * other run can act. A run that failed open may be an older one; those tenants are left alone and verify
 * reports them. And when it failed open and any tenant already runs a descendant of its commit (or one
 * whose ancestry the forge could not answer, which may be one), a newer deploy may have landed: this run rolls nothing at all, since a tenant that reported an older commit may be
 * one whose container fell back for a moment, and rolling it would move it behind that newer deploy.
 */
function rollable(run: PipelineRun): readonly string[] {
  const { proven, ifOwner, newer } = run.rollout
  // Owning the branch rules out a newer commit only for a run that deploys the branch head itself; one that
  // deploys an earlier release (a target-tag of an older image) may find the head's commit on any tenant.
  const deploysHead = sameCommit(run.expectedSha, run.settings.sha)
  const owns = run.guard.proven && (run.held.lock !== null || !run.settings.lock) && deploysHead
  const why = deploysHead
    ? 'this run could not prove it owns the branch'
    : `this run deploys ${shortSha(run.expectedSha)}, not the branch head ${shortSha(run.settings.sha)}`
  if (!owns && newer.length > 0) {
    run.deps.log.warning(
      `not redeploying any tenant: ${why}, and ${newer.length} tenant(s) already run a newer commit (${listNames(newer.map((t) => `${t.name} actual=${shortSha(t.actual)}`))})`
    )
    return []
  }
  if (!owns && ifOwner.length > 0) {
    run.deps.log.warning(
      `not redeploying ${ifOwner.length} tenant(s) whose commit is unknown or unrelated (${listNames(ifOwner)}): ${why}, and rolling them could move them backward`
    )
  }
  // In any order: the waves are cut in fleet order (planWaves).
  return owns ? [...proven, ...ifOwner] : proven
}

/**
 * Verifies `tenants` inside the settle budget; those already settled (at planning or an earlier wave's
 * verdict) are read again before the verdict. Returns the outcome that ends the run (superseded, lock
 * lost, aborted) or null; the tenants' reports are updated either way.
 */
async function verifyTenants(run: PipelineRun, tenants: readonly Tenant[]): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  let stoppedBy: Outcome | null = null
  const settled = await settleFleet({
    tenants,
    expectedSha: run.expectedSha,
    shaFields: settings.shaFields,
    budgetSeconds: settings.settleBudgetSeconds,
    intervalSeconds: settings.settleIntervalSeconds,
    allowRollback: settings.allowRollback,
    clock: deps.clock,
    compare: run.compare,
    stillOwner: async () => (stoppedBy = await run.mayAct()) === null,
    log: deps.log,
    onRound: deps.onRound && ((round, reports) => deps.onRound!(facts.rounds + round, reports)),
    probe: { dispatcher: deps.dispatcher },
    signal: deps.signal,
    since: run.rolloutStartedAt,
    settled: tenants.map((t) => run.reports.get(t.name)!).filter(isSettled)
  })
  for (const report of settled.tenants) run.reports.set(report.name, report)
  facts.tenants = settings.tenants.map((t) => run.reports.get(t.name)!)
  facts.rounds += settled.rounds
  if (settled.outcome === 'superseded') return stoppedBy ?? run.superseded()
  if (settled.outcome === 'aborted') return abortedOutcome(deps.signal)
  if (settled.outcome === 'stale') {
    for (const line of failureLines(settled.tenants, run.expectedSha)) deps.log.error(line)
  }
  return null
}

/** The soak after a wave converged: time passes, the run keeps proving it may act, then the wave is confirmed again. */
async function bake(run: PipelineRun, label: string): Promise<Outcome | null> {
  const { settings, deps } = run
  const until = deps.clock.now() + settings.rollout.bakeSeconds * 1000
  deps.log.info(`${label} converged; baking ${settings.rollout.bakeSeconds}s before confirming it again`)
  while (deps.clock.now() < until) {
    try {
      await deps.clock.sleep(Math.min(settings.settleIntervalSeconds * 1000, until - deps.clock.now()), deps.signal)
    } catch (error) {
      if (deps.signal.aborted) return abortedOutcome(deps.signal)
      throw error
    }
    const refused = await run.mayAct()
    if (refused) return refused
  }
  return null
}

function markNotAttempted(facts: RunFacts, waves: readonly Wave[]): void {
  const untouched = new Set(waves.flatMap((w) => w.tenants.map((t) => t.name)))
  facts.tenants = facts.tenants.map((t) => (untouched.has(t.name) ? { ...t, state: 'not_attempted' } : t))
}

/** A red verdict: recorded as a failure on the commit (unless the run lost its lock), :latest left where it was. */
async function staleOutcome(run: PipelineRun, message: string): Promise<Outcome> {
  await writeDeployStatus(
    run.deps.forge,
    run.expectedSha,
    run.settings.environment,
    { verified: false, summary: message },
    run.settings.run.runUrl,
    run.deps.log
  )
  return { result: 'stale', message }
}

async function promote(run: PipelineRun): Promise<Outcome | null> {
  if (!run.settings.promotion) return null
  const refused = await run.mayAct()
  if (refused) return refused
  const promotion = await promoteImage(run, false)
  run.promotion = promotion
  if (promotion?.status === 'superseded') return run.superseded()
  if (promotion?.status === 'blocked') return { result: 'blocked', message: `promote blocked: ${promotion.message}` }
  if (promotion?.status === 'conflict') return { result: 'failed', message: `promote conflict: ${promotion.message}`, errorClass: 'registry' }
  // The promotion took time: the success record below must be true of the fleet when it is written.
  if (promotion?.status === 'promoted') return verifyTenants(run, run.settings.tenants).then((stop) => stop ?? failingAfterPromote(run))
  return null
}

async function failingAfterPromote(run: PipelineRun): Promise<Outcome | null> {
  const failing = run.facts.tenants.filter((t) => !isSettled(t))
  if (failing.length === 0) return null
  return staleOutcome(
    run,
    `${failing.length} tenant(s) stopped reporting ${shortSha(run.expectedSha)} after ${run.settings.promotion!.promoteTag} was promoted`
  )
}

async function promoteImage(run: PipelineRun, dryRun: boolean): Promise<PromoteOutcome | null> {
  const { settings, deps, facts } = run
  if (!settings.promotion) return null
  const { image, promoteTag: tag } = settings.promotion
  const outcome = await promoteTag({
    image,
    sourceTag: settings.targetTag,
    promoteTag: tag,
    expectedSha: run.expectedSha,
    allowRollback: settings.allowRollback,
    dryRun,
    credentials: registryCredentials(settings.promotion),
    compare: run.compare,
    stillOwner: () => run.guard.stillOwner(),
    clock: deps.clock,
    log: deps.log,
    dispatcher: deps.dispatcher
  })
  facts.promotion = { image, tag, status: outcome.status, before: outcome.before, after: outcome.after }
  return outcome
}

/** Every tenant verified at the verdict: the durable success record on the commit. */
async function recordVerified(run: PipelineRun): Promise<Outcome> {
  const { settings, deps, facts, expectedSha } = run
  const ahead = facts.tenants.filter((t) => t.state === 'ahead').length
  const verified = `${facts.tenants.length - ahead}/${facts.tenants.length} tenants report ${shortSha(expectedSha)}${ahead ? `, ${ahead} report a newer commit` : ''}`
  await writeDeployStatus(deps.forge, expectedSha, settings.environment, { verified: true, summary: verified }, settings.run.runUrl, deps.log)
  return run.toRoll.length > 0 || run.promotion?.status === 'promoted'
    ? { result: 'deployed', message: `deployed ${settings.targetTag}: ${verified}` }
    : { result: 'noop', message: `nothing to do: ${verified}` }
}

/** A tag not derived from the run's commit (workflow_dispatch `staging-latest`) names its commit in the image. */
async function expectedShaFromImage(settings: Settings, deps: DeployDeps): Promise<string> {
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

/** The settings parser guarantees both or neither. */
function registryCredentials({ username, password }: PromotionSettings): { username: string; password: string } | undefined {
  return username && password ? { username, password } : undefined
}

/** Renew the lease well before it can run out while a long redeploy command is still going. */
function heartbeatMs(lock: HeldLock | null): number | undefined {
  return lock ? Math.min(60_000, (lock.leaseSeconds * 1000) / 3) : undefined
}

function abortedOutcome(signal: AbortSignal): Outcome {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'cancelled')
  return { result: 'aborted', message: `cancelled: ${reason}; nothing was rolled back` }
}

function failedOutcome(error: unknown): Outcome {
  if (error instanceof FleetError) return { result: 'failed', message: neutralize(error.message, 1000), errorClass: error.errorClass }
  return { result: 'failed', message: `internal error: ${neutralize(describeError(error), 1000)}`, errorClass: 'internal' }
}
