import { randomUUID } from 'node:crypto'
import type { Dispatcher } from 'undici'
import type { PromotionSettings, Settings } from '../config/settings.js'
import type { Forge } from '../forge/types.js'
import { checkGate } from '../stages/gate.js'
import { acquireRunLock, type HeldLock } from '../stages/lock.js'
import { OwnershipGuard } from '../stages/ownership.js'
import { promoteTag, resolveImageRevision, type PromoteOutcome } from '../stages/promote.js'
import { buildRecord, type RunFacts, type RunRecord } from '../stages/record.js'
import { listNames, memoizeCompare, planRollout, type RolloutPlan } from '../stages/plan.js'
import { redeployFleet, RedeployStopped } from '../stages/redeploy.js'
import { isRecordedVerified, statusContext, writeDeployStatus } from '../stages/status.js'
import { probeFleet, settleFleet, failureLines } from '../stages/verify.js'
import type { Clock } from '../util/clock.js'
import { describeError, FleetError, InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'
import type { Ancestry, Logger, Result, TenantReport } from './types.js'

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
  /** Told when the run takes the lock (and null once it let go), so the action's post step can release it if the run is killed. */
  readonly onLock?: (lock: { readonly environment: string; readonly nonce: string } | null) => void
  /** Lock nonce source (simulations inject a seeded one). */
  readonly lockNonce?: () => string
}

/** What the exit path needs to know: the lock to release, and whether side effects may have begun. */
interface RunState {
  lock: HeldLock | null
  /** Past the gate and the lock: a failure from here on is recorded on the commit. */
  attempted: boolean
}

interface Outcome {
  result: Result
  message: string
  errorClass?: string | null
  /** The run could not prove it still held the lock: another run may own the record now, so none is written. */
  lockLost?: boolean
}

/**
 * The pipeline of PRODUCT.md, read top to bottom:
 * ownership → gate → lock → plan → redeploy → promote → settle/verify → status, with ownership
 * re-checked while waiting for the lock, before every side effect and between verify rounds. It never
 * throws: every exit path, cancellation and internal errors included, returns the run's one record,
 * and the lock is released on the way out.
 */
export async function deployFleet(settings: Settings, deps: DeployDeps): Promise<RunRecord> {
  const facts: RunFacts = {
    startedAt: deps.clock.now(),
    headSha: null,
    expectedSha: settings.expectedSha,
    tenants: settings.tenants.map(pendingReport),
    rounds: 0,
    promotion: null
  }
  let outcome: Outcome
  const held: RunState = { lock: null, attempted: false }
  try {
    outcome = await runStages(settings, deps, facts, held)
  } catch (error) {
    outcome = deps.signal.aborted ? abortedOutcome(deps.signal) : failedOutcome(error)
  }
  try {
    // A deploy that failed after it began is recorded as a failure on the commit, like a stale one.
    if (outcome.result === 'failed' && held.attempted && !outcome.lockLost && facts.expectedSha) {
      await writeDeployStatus(deps.forge, facts.expectedSha, settings.environment, { verified: false, summary: outcome.message }, settings.run.runUrl, deps.log)
    }
  } finally {
    if (held.lock) {
      await held.lock.release()
      deps.onLock?.(null)
    }
  }
  const record = buildRecord(
    {
      environment: settings.environment,
      repository: settings.run.repository,
      forge: deps.forge.kind,
      runUrl: settings.run.runUrl,
      sha: settings.sha,
      targetTag: settings.targetTag,
      dryRun: settings.dryRun
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
    (await redeploy(run)) ??
    (await promote(run)) ??
    (await settleAndRecord(run))
  )
}

class PipelineRun {
  readonly guard: OwnershipGuard
  /** Ancestry answers are asked once per pair for the whole run. */
  readonly compare: (base: string, head: string) => Promise<Ancestry>
  expectedSha = ''
  rollout: RolloutPlan = { proven: [], ifOwner: [] }
  /** The tenants actually told to roll. */
  toRoll: readonly string[] = []
  plan = ''
  promotion: PromoteOutcome | null = null

  constructor(
    readonly settings: Settings,
    readonly deps: DeployDeps,
    readonly facts: RunFacts,
    readonly held: RunState
  ) {
    this.guard = new OwnershipGuard(deps.forge, settings.branch, settings.sha, deps.log)
    this.compare = memoizeCompare((base, head) => deps.forge.compare(base, head))
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

  /** Proof, right before a side effect, that this run still owns the branch and holds the lock. */
  async mayAct(): Promise<Outcome | null> {
    if (!(await this.guard.stillOwner())) return this.superseded()
    if (this.held.lock && !(await this.held.lock.renew())) return this.lostLock()
    return null
  }
}

/** Ownership, then the commit the fleet must report (read from the image when the tag does not name it). */
async function checkOwner(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const owner = await run.guard.check()
  facts.headSha = owner.head
  if (owner.superseded) return { result: 'superseded', message: owner.message }
  deps.log.info(owner.message)
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
    nonce: deps.lockNonce
  })
  if (locked.status === 'superseded') return run.superseded()
  if (locked.status === 'blocked') return { result: 'blocked', message: locked.message }
  if (locked.status === 'held') {
    held.lock = locked.lock
    deps.onLock?.({ environment: settings.environment, nonce: locked.lock.holder.nonce })
  }
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
  const promotion = await promoteImage(run, true)
  return { result: 'noop', message: `dry run: ${run.plan}${promotion ? `; promote ${promotion.status}: ${promotion.message}` : ''}; nothing written` }
}

async function redeploy(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, held } = run
  const { proven, ifOwner } = run.rollout
  if (proven.length + ifOwner.length === 0) return null
  deps.log.info(run.plan)
  const refused = await run.mayAct()
  if (refused) return refused
  run.toRoll = rollable(run)
  if (run.toRoll.length === 0) return null
  let stoppedBy: Outcome | null = null
  const redeployed = await redeployFleet(
    settings.redeploy,
    {
      tag: settings.targetTag,
      sha: run.expectedSha,
      environment: settings.environment,
      repository: settings.run.repository,
      tenants: run.toRoll,
      // Outside Actions there is no run id: a fresh key per invocation, so a new deploy is never taken for a duplicate.
      runKey: settings.run.runId ? `${settings.run.repository}#${settings.run.runId}.${settings.run.runAttempt}` : randomUUID()
    },
    {
      clock: deps.clock,
      log: deps.log,
      signal: deps.signal,
      dispatcher: deps.dispatcher,
      mayProceed: async () => (stoppedBy = await run.mayAct()) === null,
      heartbeatMs: heartbeatMs(held.lock)
    }
  ).catch((error: unknown) => {
    if (error instanceof RedeployStopped && stoppedBy) return null
    throw error
  })
  if (redeployed === null) return stoppedBy ?? run.superseded()
  deps.log.info(redeployed)
  // A newer commit may have landed while the fleet was told to roll: a superseded run records nothing.
  return (await run.guard.stillOwner()) ? null : run.superseded()
}

/**
 * Tenants of unknown or unrelated commit are rolled only when the read right before this side effect,
 * made while holding the lock, found the branch at this run's commit: then no newer commit exists and no
 * other run can act. A run that failed open may be an older one; those tenants are left alone and verify
 * reports them.
 */
function rollable(run: PipelineRun): readonly string[] {
  const { proven, ifOwner } = run.rollout
  const owns = run.guard.proven && (run.held.lock !== null || !run.settings.lock)
  if (owns || ifOwner.length === 0) {
    const chosen = new Set([...proven, ...ifOwner])
    return run.settings.tenants.map((t) => t.name).filter((name) => chosen.has(name))
  }
  run.deps.log.warning(
    `not redeploying ${ifOwner.length} tenant(s) whose commit is unknown or unrelated (${listNames(ifOwner)}): this run could not prove it owns the branch, and rolling them could move them backward`
  )
  return proven
}

async function promote(run: PipelineRun): Promise<Outcome | null> {
  if (!run.settings.promotion) return null
  if (run.held.lock && !(await run.held.lock.renew())) return run.lostLock()
  const promotion = await promoteImage(run, false)
  run.promotion = promotion
  if (promotion?.status === 'superseded') return run.superseded()
  if (promotion?.status === 'blocked') return { result: 'blocked', message: `promote blocked: ${promotion.message}` }
  if (promotion?.status === 'conflict') return { result: 'failed', message: `promote conflict: ${promotion.message}`, errorClass: 'registry' }
  return null
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

/** Verify inside the budget, then the durable record on the commit: success only from a run that still owns the branch. */
async function settleAndRecord(run: PipelineRun): Promise<Outcome> {
  const { settings, deps, facts, expectedSha } = run
  const rolled = new Set(run.toRoll)
  const settled = await settleFleet({
    tenants: settings.tenants,
    expectedSha,
    shaFields: settings.shaFields,
    budgetSeconds: settings.settleBudgetSeconds,
    intervalSeconds: settings.settleIntervalSeconds,
    allowRollback: settings.allowRollback,
    clock: deps.clock,
    compare: run.compare,
    stillOwner: () => run.guard.stillOwner(),
    log: deps.log,
    onRound: deps.onRound,
    probe: { dispatcher: deps.dispatcher },
    signal: deps.signal,
    // Tenants the plan left alone and already found settled are not probed a second time.
    settled: facts.tenants.filter((t) => !rolled.has(t.name))
  })
  facts.tenants = settled.tenants
  facts.rounds = settled.rounds
  const record = (verified: boolean, summary: string) =>
    writeDeployStatus(deps.forge, expectedSha, settings.environment, { verified, summary }, settings.run.runUrl, deps.log)

  switch (settled.outcome) {
    case 'superseded':
      return run.superseded()
    case 'aborted':
      return abortedOutcome(deps.signal)
    case 'stale': {
      const lines = failureLines(settled.tenants, expectedSha)
      for (const line of lines) deps.log.error(line)
      const message = `${lines.length} of ${settled.tenants.length} tenant(s) did not report ${shortSha(expectedSha)} within ${settings.settleBudgetSeconds}s`
      await record(false, message)
      return { result: 'stale', message }
    }
    case 'converged': {
      // settleFleet proved ownership right before its confirmation read: the record follows at once.
      const ahead = settled.tenants.filter((t) => t.state === 'ahead').length
      const verified = `${settled.tenants.length - ahead}/${settled.tenants.length} tenants report ${shortSha(expectedSha)}${ahead ? `, ${ahead} report a newer commit` : ''}`
      await record(true, verified)
      return run.toRoll.length > 0 || run.promotion?.status === 'promoted'
        ? { result: 'deployed', message: `deployed ${settings.targetTag}: ${verified}` }
        : { result: 'noop', message: `nothing to do: ${verified}` }
    }
  }
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

function pendingReport(tenant: { name: string }): TenantReport {
  return { name: tenant.name, state: 'pending', actual: null, attempts: 0, seconds_to_converge: null, error_class: null }
}

function abortedOutcome(signal: AbortSignal): Outcome {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'cancelled')
  return { result: 'aborted', message: `cancelled: ${reason}; nothing was rolled back` }
}

function failedOutcome(error: unknown): Outcome {
  if (error instanceof FleetError) return { result: 'failed', message: neutralize(error.message, 1000), errorClass: error.errorClass }
  return { result: 'failed', message: `internal error: ${neutralize(describeError(error), 1000)}`, errorClass: 'internal' }
}
