import type { ForgeKind } from '../forge/types.js'
import type { RuntimeEnv } from './parse.js'
import { parseHttpUrl } from './validate.js'

/**
 * The run's page: the one given, else the forge's run page inside Actions (GitHub and act_runner set
 * GITHUB_ACTIONS), else none. Never a guess: another CI's run id under the forge's URL leads nowhere.
 */
export function runUrlFrom(env: RuntimeEnv, serverUrl: string, repository: string, forge: ForgeKind): string {
  if (env.FLEET_FORWARD_RUN_URL) return parseHttpUrl(env.FLEET_FORWARD_RUN_URL, 'FLEET_FORWARD_RUN_URL').href
  if (env.GITHUB_ACTIONS !== 'true') return ''
  const runs = `${serverUrl.replace(/\/+$/, '')}/${repository}/actions/runs`
  if (forge === 'github') return env.GITHUB_RUN_ID ? `${runs}/${env.GITHUB_RUN_ID}` : ''
  // Gitea up to 1.25 addresses a run's page by its number in the repository (run.Index), which act_runner
  // passes as GITHUB_RUN_NUMBER; its GITHUB_RUN_ID is the instance-wide database id, another run's page
  // or none (go-gitea/gitea#28621). Gitea 1.26 addresses pages by that id (go-gitea/gitea#36842) and
  // still finds a run by its number when no run of the repository has that id (go-gitea/gitea#37008).
  return env.GITHUB_RUN_NUMBER ? `${runs}/${env.GITHUB_RUN_NUMBER}` : ''
}
