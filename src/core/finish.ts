import { registryCredentials } from '../config/settings.js'
import { isSettled } from '../fleet/report.js'
import { promoteTag, type PromoteOutcome } from '../stages/promote.js'
import { writeDeployStatus } from '../stages/status.js'
import { shortSha } from '../util/sha.js'
import { verifyTenants } from './rollout.js'
import type { Outcome, PipelineRun } from './run.js'

/**
 * After the last wave verified: `:latest` moves forward only, then the fleet is read again so the record
 * below is true when written. Also when the tag already pointed at the image: the registry may have taken
 * its time answering, and a tenant may have fallen back meanwhile.
 */
export async function promote(run: PipelineRun): Promise<Outcome | null> {
  if (!run.settings.promotion) return null
  const refused = await run.mayAct()
  if (refused) return refused
  const promotion = await promoteImage(run, false)
  run.promotion = promotion
  if (promotion?.status === 'superseded') return run.superseded()
  if (promotion?.status === 'blocked') return { result: 'blocked', message: `promote blocked: ${promotion.message}` }
  if (promotion?.status === 'conflict') return { result: 'failed', message: `promote conflict: ${promotion.message}`, errorClass: 'registry' }
  // The promotion took time: the success record below must be true of the fleet when it is written.
  const stopped = await verifyTenants(run, run.settings.tenants)
  if (stopped) return stopped
  const failing = run.facts.tenants.filter((t) => !isSettled(t))
  if (failing.length === 0) return null
  return run.stale(`${failing.length} tenant(s) stopped reporting ${shortSha(run.expectedSha)} while ${run.settings.promotion.promoteTag} was promoted`)
}

/** Moves (or, in a dry run, plans moving) the promote tag; the record keeps where it pointed before and after. */
export async function promoteImage(run: PipelineRun, dryRun: boolean): Promise<PromoteOutcome | null> {
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
export async function recordVerified(run: PipelineRun): Promise<Outcome> {
  const { settings, deps, facts, expectedSha } = run
  const ahead = facts.tenants.filter((t) => t.state === 'ahead').length
  const verified = `${facts.tenants.length - ahead}/${facts.tenants.length} tenants report ${shortSha(expectedSha)}${ahead ? `, ${ahead} report a newer commit` : ''}`
  await writeDeployStatus(deps.forge, expectedSha, settings.environment, { verified: true, summary: verified, audit: run.audit }, settings.run.runUrl, deps.log)
  return run.toRoll.length > 0 || run.promotion?.status === 'promoted'
    ? { result: 'deployed', message: `deployed ${settings.targetTag}: ${verified}` }
    : { result: 'noop', message: `nothing to do: ${verified}` }
}
