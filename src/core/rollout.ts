import { isSettled, listNames, withinSettleBudget } from '../fleet/report.js'
import { startDeployment } from '../stages/deployment.js'
import { tenantsToRoll } from '../stages/plan.js'
import { heartbeatMs } from '../stages/lock.js'
import { bakeWave, BakeCheckStopped, runBakeCheck } from '../stages/bake-check.js'
import { redeployFleet, RedeployStopped } from '../stages/redeploy.js'
import { failureLines, settleFleet } from '../stages/verify.js'
import { planWaves, waveLabel, waveOfTenants, waveVerdict, type Wave, type WaveRecord, type WaveVerdict } from '../stages/waves.js'
import { shortSha } from '../util/sha.js'
import { abortedOutcome, type Outcome, type PipelineRun } from './run.js'
import type { Tenant } from '../types.js'

/**
 * The rollout, wave by wave (docs/contract.md, Waves): each wave is told to roll, then verified together with
 * the earlier waves' verified tenants (read again at this wave's verdict), then baked and confirmed by one more
 * read. More than `max-failures` tenants not verified (this wave's and earlier waves' together) halts the run:
 * later waves are never touched. A wave that ends with failures within `max-failures` is recorded `stale`, and
 * the run goes on to end red without promoting.
 */
export async function rollOut(run: PipelineRun): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  const { proven, ifOwner } = run.rollout
  if (proven.length + ifOwner.length > 0) {
    deps.log.info(run.plan)
    const refused = await run.mayAct()
    if (refused) return refused
    run.toRoll = tenantsToRoll(run.rollout, run.notOwner, deps.log)
    if (run.toRoll.length > 0) {
      run.held.deployment = await startDeployment(deps.forge, settings, run.expectedSha, deps.log, deps.onDeployment)
      if (run.held.deployment) facts.deployment = { id: run.held.deployment.id, environment_url: settings.environmentUrl }
    }
  }
  const waves = planWaves(settings.tenants, run.toRoll, settings.rollout.waves)
  run.rolloutStartedAt = deps.clock.now()
  facts.waves = waves.map((wave) => ({ wave: wave.index, tenants: wave.tenants.length, redeployed: 0, result: 'not_attempted', seconds: null }))
  facts.tenantWave = waveOfTenants(waves)
  if (waves.length > 1)
    deps.log.info(`${waves.length} waves: ${waves.map((w) => `${w.toRoll.length}/${w.tenants.length}`).join(', ')} (tenants to roll/verified per wave)`)
  for (const wave of waves) {
    const record = facts.waves[wave.index - 1]
    const startedAt = deps.clock.now()
    const ended = await rollWave(run, wave, waves, record)
    record.seconds = Math.round((deps.clock.now() - startedAt) / 100) / 10
    if (ended) {
      markNotAttempted(run, waves.slice(wave.index))
      return ended
    }
  }
  const failing = facts.tenants.filter((t) => !isSettled(t))
  if (failing.length === 0) return null
  return run.stale(
    `${failing.length} of ${facts.tenants.length} tenant(s) did not report ${shortSha(run.expectedSha)} (tolerated by max-failures ${settings.rollout.maxFailures}); :latest was not promoted`
  )
}

/** One wave: redeploy, verify, bake and confirm; sets the wave's record and returns the outcome that ends the run, or null. */
async function rollWave(run: PipelineRun, wave: Wave, waves: readonly Wave[], record: WaveRecord): Promise<Outcome | null> {
  const { settings, deps } = run
  const { maxFailures, bakeSeconds } = settings.rollout
  const label = waveLabel(wave, waves.length)
  const startedAt = deps.clock.now()
  if (wave.toRoll.length > 0) {
    const stopped = await redeployWave(run, wave)
    if (stopped) return endWave(record, stopped)
    record.redeployed = wave.toRoll.length
  }
  // Earlier waves' verified tenants are read again at this wave's verdict; their failures still count.
  const earlier = waves.slice(0, wave.index - 1).flatMap((w) => w.tenants)
  const verified = [...earlier.filter((t) => isSettled(run.reports.get(t.name)!)), ...wave.tenants]
  const judge = (): { failing: Tenant[]; failingHere: Tenant[]; verdict: WaveVerdict } => {
    const failing = [...earlier, ...wave.tenants].filter((t) => !isSettled(run.reports.get(t.name)!))
    const failingHere = verified.filter((t) => !isSettled(run.reports.get(t.name)!))
    return { failing, failingHere, verdict: waveVerdict(failingHere.length, failing.length, maxFailures) }
  }
  const stopped = await verifyTenants(run, verified)
  if (stopped) return endWave(record, stopped)
  let judged = judge()
  let confirmedAfterBake = false
  if (judged.verdict !== 'halted' && bakeSeconds > 0) {
    const unverified = judged.failingHere.length ? `ended with ${describeFailing(judged, maxFailures)}` : 'converged'
    deps.log.info(`${label} ${unverified}; baking ${bakeSeconds}s before confirming it again`)
    const baked = await bake(run, wave)
    if (typeof baked === 'string') {
      record.result = 'halted'
      const later = waves.length > 1 ? `; ${waves.length - wave.index} later wave(s) not attempted` : ''
      return run.stale(`${label} halted: ${baked} during the ${bakeSeconds}s bake${later}`, 'bake_check')
    }
    // The confirmation is one read of every tenant, not a new settle budget: what fell back during the bake fails.
    const confirmed = baked ?? (await verifyTenants(run, verified, 0))
    if (confirmed) return endWave(record, confirmed)
    judged = judge()
    confirmedAfterBake = true
  }
  record.result = judged.verdict
  const { failing } = judged
  if (judged.verdict === 'halted') {
    const took = deps.clock.now() - startedAt
    const when = confirmedAfterBake
      ? `when confirmed after the ${bakeSeconds}s bake (the wave took ${Math.round(took / 100) / 10}s: redeploy, verify, bake and confirm)`
      : withinSettleBudget(settings.settleBudgetSeconds, took)
    const why = `${notVerified(failing, run)} ${when}`
    const later = waves.length - wave.index
    return run.stale(
      waves.length > 1
        ? `${label} halted: ${why}, more than max-failures ${maxFailures}; ${later} later wave(s) not attempted`
        : `${failing.length} of ${run.facts.tenants.length} ${notVerified(failing, run).replace(/^\d+ /, '')} ${when}`
    )
  }
  if (judged.failingHere.length > 0) deps.log.warning(`${label}: ${describeFailing(judged, maxFailures)}, going on`)
  else if (waves.length > 1) deps.log.info(`${label} verified: ${wave.tenants.length} tenant(s)`)
  return null
}

/** `3 tenant(s) did not report 7f25373`, and how many of them do but are unhealthy. */
function notVerified(failing: readonly Tenant[], run: PipelineRun): string {
  const unhealthy = failing.filter((t) => run.reports.get(t.name)!.state === 'unhealthy').length
  const healthNote = unhealthy > 0 ? ` (${unhealthy} of them report${unhealthy === 1 ? 's' : ''} it but ${unhealthy === 1 ? 'is' : 'are'} unhealthy)` : ''
  return `${failing.length} tenant(s) did not report ${shortSha(run.expectedSha)}${healthNote}`
}

/** `1 tenant(s) not verified (ana); 2 in all, within max-failures 2`: this wave's failures, and the run's so far. */
function describeFailing({ failing, failingHere }: { failing: readonly Tenant[]; failingHere: readonly Tenant[] }, maxFailures: number): string {
  return `${failingHere.length} tenant(s) not verified (${listNames(failingHere.map((t) => t.name))}); ${failing.length} in all, within max-failures ${maxFailures}`
}

function endWave(record: WaveRecord, outcome: Outcome): Outcome {
  record.result = outcome.result === 'aborted' ? 'aborted' : outcome.result === 'superseded' ? 'superseded' : 'failed'
  return outcome
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
 * Verifies `tenants` inside the settle budget (or `budgetSeconds`); those already settled (at planning or an
 * earlier wave's verdict) are read again before the verdict. Returns the outcome that ends the run
 * (superseded, lock lost, aborted) or null; the tenants' reports are updated either way.
 */
export async function verifyTenants(run: PipelineRun, tenants: readonly Tenant[], budgetSeconds = run.settings.settleBudgetSeconds): Promise<Outcome | null> {
  const { settings, deps, facts } = run
  let stoppedBy: Outcome | null = null
  const settled = await settleFleet({
    tenants,
    expectedSha: run.expectedSha,
    shaFields: settings.shaFields,
    budgetSeconds,
    intervalSeconds: settings.settleIntervalSeconds,
    allowRollback: settings.allowRollback,
    clock: deps.clock,
    compare: run.compare,
    stillOwner: async () => (stoppedBy = await run.mayAct()) === null,
    log: deps.log,
    onRound: deps.onRound && ((round, reports, budgetLeftMs) => deps.onRound!(facts.rounds + round, reports, budgetLeftMs)),
    probe: { dispatcher: deps.dispatcher },
    signal: deps.signal,
    since: run.rolloutStartedAt,
    settled: tenants.map((t) => run.reports.get(t.name)!).filter(isSettled),
    health: run.health
  })
  for (const report of settled.tenants) run.reports.set(report.name, report)
  facts.tenants = settings.tenants.map((t) => run.reports.get(t.name)!)
  facts.rounds += settled.rounds
  if (settled.outcome === 'superseded') return stoppedBy ?? run.superseded()
  if (settled.outcome === 'aborted') return abortedOutcome(deps.signal)
  // Plain lines: the verdict, known only later, is the run's first error annotation (src/report/summary.ts, failureAnnotations).
  if (settled.outcome === 'stale') {
    for (const line of failureLines(settled.tenants, run.expectedSha, settled.details, tenants)) deps.log.info(line)
  }
  return null
}

/**
 * The soak after a wave was verified (src/stages/bake-check.ts): time passes, the run keeps proving it may
 * act, and `bake-check` runs at once and every settle-interval. Returns the outcome that ends the run, the
 * reason a bake check failed, or null.
 */
async function bake(run: PipelineRun, wave: Wave): Promise<Outcome | string | null> {
  const { settings, deps } = run
  const command = settings.rollout.bakeCheck
  let stoppedBy: Outcome | null = null
  const watch = {
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    mayProceed: async () => (stoppedBy = await run.mayAct(true)) === null,
    heartbeatMs: heartbeatMs(run.held.lock),
    onCommand: deps.onCommand
  }
  const request = { tag: settings.targetTag, sha: run.expectedSha, environment: settings.environment, repository: settings.run.repository, wave: wave.index }
  try {
    const end = await bakeWave({
      seconds: settings.rollout.bakeSeconds,
      intervalMs: settings.settleIntervalSeconds * 1000,
      clock: deps.clock,
      signal: deps.signal,
      mayAct: () => run.mayAct(),
      check: command ? (deadlineMs) => runBakeCheck({ ...request, command }, deadlineMs, watch) : undefined
    })
    return end.kind === 'baked' ? null : end.kind === 'stopped' ? end.outcome : end.reason
  } catch (error) {
    if (deps.signal.aborted) return abortedOutcome(deps.signal)
    if (error instanceof BakeCheckStopped) return stoppedBy ?? run.superseded()
    throw error
  }
}

function markNotAttempted(run: PipelineRun, waves: readonly Wave[]): void {
  const untouched = new Set(waves.flatMap((w) => w.tenants.map((t) => t.name)))
  run.facts.tenants = run.facts.tenants.map((t) => (untouched.has(t.name) ? { ...t, state: 'not_attempted' } : t))
}
