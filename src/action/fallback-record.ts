import * as core from '@actions/core'
import { detectForgeKind } from '../config/api-url.js'
import { DEFAULT_SERVER_URL } from '../config/parse.js'
import { runUrlFrom } from '../config/run-url.js'
import type { Result } from '../types.js'
import { buildRecord, initialFacts, type DeploymentRecord, type RunRecord } from '../stages/record.js'
import { systemClock } from '../util/clock.js'
import type { SavedRun } from './state.js'

/**
 * The record of a run that never reached the pipeline (an input was invalid) or never left it (the
 * main step was killed): built from what the main step saved when it got that far, else from the raw
 * inputs and runner variables, which is all there is.
 */
export function fallbackRecord(
  result: Result,
  message: string,
  errorClass: string,
  startedAt: number,
  saved: SavedRun | null = null,
  deployment: DeploymentRecord | null = null
): RunRecord {
  const env = process.env
  // The post step runs in the main step's job, with the same actor.
  const actor = env.GITHUB_ACTOR || null
  return buildRecord(
    saved
      ? {
          environment: saved.environment,
          repository: saved.repository,
          forge: saved.forge,
          runUrl: saved.runUrl,
          sha: saved.sha,
          targetTag: saved.targetTag,
          dryRun: false,
          actor
        }
      : {
          environment: core.getInput('environment') || 'production',
          repository: env.GITHUB_REPOSITORY ?? '',
          forge: core.getInput('forge') || 'auto',
          runUrl: env.GITHUB_REPOSITORY ? fallbackRunUrl(env.GITHUB_REPOSITORY) : '',
          sha: core.getInput('sha') || env.GITHUB_SHA || '',
          targetTag: core.getInput('target-tag'),
          dryRun: false,
          actor
        },
    { ...initialFacts(startedAt, [], null), deployment },
    { requests: 0, notModified: 0 },
    { result, message, errorClass },
    systemClock.now()
  )
}

/** The run's link by the same rule as a valid run's; none when the given one is itself invalid. */
function fallbackRunUrl(repository: string): string {
  const env = process.env
  const forge = core.getInput('forge')
  const kind = detectForgeKind(forge === 'github' || forge === 'gitea' ? forge : 'auto', {
    apiUrl: env.GITHUB_API_URL ?? '',
    giteaActions: env.GITEA_ACTIONS === 'true'
  })
  try {
    return runUrlFrom(env, env.GITHUB_SERVER_URL || DEFAULT_SERVER_URL, repository, kind)
  } catch {
    return ''
  }
}
