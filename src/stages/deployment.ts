import type { RunContext, Settings } from '../config/settings.js'
import type { Logger, Result } from '../types.js'
import type { DeploymentState, Forge, ForgeDeployments } from '../forge/types.js'
import { classifyError, FleetError } from '../util/errors.js'
import { fitColumn } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'
import { auditNote, rollbackOf, withAudit } from './audit.js'

/**
 * The run on the forge's environments page (README, "Deployments"): on GitHub, a run that reaches the
 * redeploy creates a Deployment of the expected commit to its environment, marks it `in_progress`, and
 * finishes it with the run's result. It is shown to people and never decides anything: the commit status
 * `fleet-forward/<environment>` stays the durable record the gate reads, so a deployment that cannot be
 * written is a warning and the deploy goes on. Gitea has no deployments API: nothing happens there.
 * Descriptions are fleet-forward's own words, never text from a server.
 */
export type DeploymentSettings = Pick<Settings, 'environment' | 'environmentUrl' | 'targetTag'> &
  Partial<Pick<Settings, 'rollbackReason'>> & { readonly run: Pick<RunContext, 'runUrl'> & Partial<Pick<RunContext, 'actor'>> }

interface DeploymentTarget {
  readonly environment: string
  /** The commit the fleet must report. */
  readonly sha: string
  readonly targetTag: string
  /** The run's page (`log_url`). */
  readonly runUrl: string
  /** Input `environment-url`. */
  readonly environmentUrl: string | null
  /** With allow-rollback: who moves the fleet back and why, carried by every description. */
  readonly audit: string | null
}

/** GitHub caps a deployment (status) description at 140 characters. */
const MAX_DESCRIPTION = 140
const PERMISSION = 'deployments: write'

/** The run's deployment once created; `finishDeployment` moves it to the run's result. */
export interface RunDeployment {
  readonly deployments: ForgeDeployments
  readonly id: number
  readonly target: DeploymentTarget
  readonly log: Logger
  /** Set when the token turned out to lack the permission: warned once, nothing more is sent. */
  denied: boolean
  /** Told the id once the deployment exists and null once it is finished, so the post step can finish one a killed main step left. */
  readonly onChange?: (id: number | null) => void
}

/** At the start of the redeploy: the deployment, `in_progress`; null when the forge has none or it could not be created. */
export async function startDeployment(
  forge: Forge,
  settings: DeploymentSettings,
  expectedSha: string,
  log: Logger,
  onChange?: (id: number | null) => void
): Promise<RunDeployment | null> {
  const deployments = forge.deployments
  if (!deployments) return null
  const target = targetOf(settings, expectedSha)
  let id: number
  try {
    id = await deployments.createDeployment({
      sha: target.sha,
      environment: target.environment,
      production: target.environment === 'production',
      description: describe(withAudit(`fleet-forward: ${target.targetTag} (${shortSha(target.sha)}) to ${target.environment}`, target.audit, MAX_DESCRIPTION))
    })
  } catch (error) {
    warn(log, target, 'create', error)
    return null
  }
  onChange?.(id)
  const deployment: RunDeployment = { deployments, id, target, log, denied: false, onChange }
  await moveDeployment(deployment, 'in_progress', `rolling ${target.targetTag} to the fleet`)
  return deployment
}

/** At the end of the run, whatever its result: success, failure, error, or inactive for a superseded run. */
export async function finishDeployment(deployment: RunDeployment | null, result: Result): Promise<void> {
  if (!deployment) return
  const { state, description } = FINAL[result]
  if (!deployment.denied) await moveDeployment(deployment, state, description(shortSha(deployment.target.sha)))
  deployment.onChange?.(null)
}

/** The post step's: a deployment that a killed main step left `in_progress` ends `error`. */
export async function abandonDeployment(forge: Forge, settings: DeploymentSettings & Pick<Settings, 'sha'>, id: number, log: Logger): Promise<void> {
  if (!forge.deployments) return
  const deployment: RunDeployment = { deployments: forge.deployments, id, target: targetOf(settings, settings.sha), log, denied: false }
  await moveDeployment(deployment, 'error', 'the run ended before it could finish (killed); see the run')
}

function targetOf(settings: DeploymentSettings, sha: string): DeploymentTarget {
  return {
    environment: settings.environment,
    environmentUrl: settings.environmentUrl,
    targetTag: settings.targetTag,
    sha,
    runUrl: settings.run.runUrl,
    audit: auditNote({ override: null, rollback: rollbackOf(settings) })
  }
}

const FINAL: Record<Result, { state: DeploymentState; description: (sha: string) => string }> = {
  deployed: { state: 'success', description: (sha) => `every tenant verified on ${sha}` },
  noop: { state: 'success', description: (sha) => `every tenant verified on ${sha}` },
  // A dry run writes nothing, so it never has a deployment to finish.
  planned: { state: 'inactive', description: () => 'dry run: nothing was deployed' },
  superseded: { state: 'inactive', description: () => 'superseded: a newer commit owns the deploy branch' },
  // A deferred run stops before the redeploy, so it never has a deployment either.
  deferred: { state: 'inactive', description: () => 'deferred: outside every deploy window' },
  stale: { state: 'failure', description: (sha) => `not every tenant reported ${sha} within the settle budget` },
  blocked: { state: 'failure', description: () => 'blocked before the fleet was verified; see the run' },
  failed: { state: 'error', description: () => 'the deploy failed; see the run' },
  aborted: { state: 'error', description: () => 'cancelled; nothing was rolled back' }
}

async function moveDeployment(deployment: RunDeployment, state: DeploymentState, description: string): Promise<void> {
  const { target } = deployment
  try {
    await deployment.deployments.setDeploymentStatus(deployment.id, {
      state,
      description: describe(withAudit(description, target.audit, MAX_DESCRIPTION)),
      logUrl: target.runUrl || null,
      environmentUrl: target.environmentUrl
    })
  } catch (error) {
    deployment.denied = lacksPermission(error)
    warn(deployment.log, target, `mark ${state}`, error)
  }
}

function warn(log: Logger, target: DeploymentTarget, action: string, error: unknown): void {
  const consequence = `the deploy goes on; the commit status fleet-forward/${target.environment} stays its record`
  if (lacksPermission(error)) {
    log.warning(
      `cannot ${action} the deployment to '${target.environment}': the token lacks the '${PERMISSION}' permission (grant it in the workflow's permissions:); ${consequence}`
    )
  } else {
    log.warning(`could not ${action} the deployment to '${target.environment}' (${classifyError(error)}); ${consequence}`)
  }
}

/** GitHub answers 403 "Resource not accessible by integration" to a token without the permission (a rate limit is classed apart). */
function lacksPermission(error: unknown): boolean {
  return error instanceof FleetError && error.errorClass === 'permission'
}

/** Our own words, yet through the one boundary: scrubbed whole, then cut to the cap with its ellipsis. */
function describe(text: string): string {
  return fitColumn(text, MAX_DESCRIPTION)
}
