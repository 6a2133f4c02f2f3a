import type { Dispatcher } from 'undici'
import { apiUrlOfServer, detectForgeKind } from '../config/api-url.js'
import type { Settings } from '../config/settings.js'
import type { Clock } from '../util/clock.js'
import { InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { GiteaForge } from './gitea.js'
import { GitHubForge } from './github.js'
import type { ForgeHttpTuning } from './octokit.js'
import type { Forge, ForgeKind } from './types.js'

/** What the runner tells us about its forge; the config layer reads it from the environment. */
export interface ForgeContext {
  /** GITHUB_API_URL (act_runner sets it to `<instance>/api/v1`); empty: derived from serverUrl. */
  readonly apiUrl: string
  /** GITHUB_SERVER_URL */
  readonly serverUrl: string
  /** `owner/name` (GITHUB_REPOSITORY) */
  readonly repository: string
  readonly token: string
  /** GITEA_ACTIONS=true, set by act_runner. */
  readonly giteaActions: boolean
  readonly signal?: AbortSignal
  readonly tuning?: Partial<ForgeHttpTuning>
}

export { detectForgeKind }

export function createForge(kind: 'auto' | ForgeKind, context: ForgeContext, clock: Clock, dispatcher?: Dispatcher): Forge {
  if (!/^[^/\s]+\/[^/\s]+$/.test(context.repository)) {
    throw new InputError('repository', `must be owner/name, got '${neutralize(context.repository, 100)}'`)
  }
  const resolved = detectForgeKind(kind, context)
  const http = { baseUrl: apiRoot(resolved, context), clock, dispatcher, signal: context.signal, tuning: context.tuning }
  const options = { repository: context.repository, token: context.token, http }
  return resolved === 'gitea' ? new GiteaForge(options) : new GitHubForge(options)
}

/** The settings always carry an API URL; a caller with only a server URL gets the one derivation. */
function apiRoot(kind: ForgeKind, context: ForgeContext): string {
  if (context.apiUrl) return context.apiUrl.replace(/\/+$/, '')
  if (!context.serverUrl) {
    if (kind === 'gitea') throw new InputError('forge', 'Gitea needs GITHUB_API_URL or GITHUB_SERVER_URL to find its API')
    return apiUrlOfServer('github', 'https://github.com')
  }
  return apiUrlOfServer(kind, context.serverUrl)
}

/**
 * The run's forge client. It is deliberately not tied to the run's cancellation signal: every request
 * has its own deadline, and a cancelled run still needs the forge to release its lock and record.
 */
export function forgeFromSettings(settings: Settings, clock: Clock, dispatcher?: Dispatcher): Forge {
  const { run } = settings
  return createForge(
    settings.forge,
    { apiUrl: run.apiUrl, serverUrl: run.serverUrl, repository: run.repository, token: settings.token, giteaActions: run.giteaActions },
    clock,
    dispatcher
  )
}
