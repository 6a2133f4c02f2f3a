import { setMaxListeners } from 'node:events'
import type { Settings } from '../config/settings.js'
import { pendingReport } from '../fleet/round.js'
import { finishDeployment } from '../stages/deployment.js'
import { buildRecord, initialFacts, type RunRecord } from '../stages/record.js'
import { failureSummary, writeDeployStatus } from '../stages/status.js'
import { promote, recordVerified } from './finish.js'
import { checkOwner, passGate, plan, takeLock } from './prepare.js'
import { rollOut } from './rollout.js'
import { abortedOutcome, failedOutcome, PipelineRun, type DeployDeps, type Outcome } from './run.js'

/**
 * The pipeline of docs/contract.md, read top to bottom:
 * ownership → gate → lock → plan → per wave: redeploy → verify (→ bake) → promote → record, with the
 * proof that the run may act (ownership, the lock) re-made while waiting for the lock, before every side
 * effect and between verify rounds. Each step returns the outcome that ends the run, or null to go on.
 * It never throws: every exit path, cancellation and internal errors included, returns the run's one
 * record, and the lock is released on the way out.
 */
export async function deployFleet(settings: Settings, deps: DeployDeps): Promise<RunRecord> {
  // Every request in flight (64 probes, max-parallel redeploy calls) listens for the run's cancellation.
  setMaxListeners(0, deps.signal)
  const facts = initialFacts(
    deps.clock.now(),
    settings.tenants.map((t) => pendingReport(t.name)),
    settings.expectedSha
  )
  const run = new PipelineRun(settings, deps, facts)
  let outcome: Outcome
  try {
    outcome =
      (await checkOwner(run)) ??
      (await passGate(run)) ??
      (await takeLock(run)) ??
      (await plan(run)) ??
      (await rollOut(run)) ??
      (await promote(run)) ??
      (await recordVerified(run))
  } catch (error) {
    outcome = deps.signal.aborted ? abortedOutcome(deps.signal) : failedOutcome(error)
  }
  await leave(run, outcome)
  // A configured promotion the run never reached is recorded as such: a red run says what became of the tag.
  if (settings.promotion && !facts.promotion) {
    facts.promotion = { image: settings.promotion.image, tag: settings.promotion.promoteTag, status: 'not_attempted', before: null, after: null }
  }
  return buildRecord(
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
}

/** The way out, on every exit path: a failure recorded on the commit, the deployment finished, then the lock released. */
async function leave(run: PipelineRun, outcome: Outcome): Promise<void> {
  const { settings, deps, facts, held } = run
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
}
