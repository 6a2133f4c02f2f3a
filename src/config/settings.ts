import type { Tenant } from '../types.js'
import type { WaveSpec } from './waves.js'
import type { WindowSchedule } from './windows.js'
import type { HealthThresholds } from '../fleet/health.js'

/** Everything a run needs, parsed and validated once (src/config/parse.ts), then frozen. */
export interface Settings {
  readonly token: string
  readonly forge: 'auto' | 'github' | 'gitea'
  readonly environment: string
  /** The environment's address, shown on the GitHub deployment; null when not given. */
  readonly environmentUrl: string | null
  /** null: the repository's default branch, read from the forge. */
  readonly branch: string | null
  readonly sha: string
  readonly targetTag: string
  /** The commit tenants must report; null means "read it from the image's revision label" (promotion). */
  readonly expectedSha: string | null
  readonly tenants: readonly Tenant[]
  readonly shaFields: readonly string[]
  readonly settleBudgetSeconds: number
  readonly settleIntervalSeconds: number
  /** `health-successes` and `health-failures`; the health URLs are on the tenants. */
  readonly health: HealthThresholds
  readonly redeploy: RedeploySettings
  readonly rollout: RolloutSettings
  readonly promotion: PromotionSettings | null
  readonly allowRollback: boolean
  /** Why the fleet may be moved back; set exactly when allowRollback is. */
  readonly rollbackReason: string | null
  readonly requireVerifiedIn: string | null
  readonly windows: WindowSettings
  readonly notify: NotifySettings | null
  readonly lock: boolean
  readonly lockTimeoutSeconds: number
  readonly dryRun: boolean
  readonly historyFile: string | null
  readonly run: RunContext
}

/** When a run may act (deploy-windows, deploy-freezes), and an override of that decision. */
export interface WindowSettings {
  readonly schedule: WindowSchedule
  /** override-freeze with its reason and who asked (GITHUB_ACTOR); null without override-freeze. */
  readonly override: FreezeOverride | null
}

export interface FreezeOverride {
  readonly actor: string | null
  readonly reason: string
}

/** One message per run to a webhook (notify-url); the URL is a secret. */
export interface NotifySettings {
  readonly url: string
  readonly format: 'json' | 'slack' | 'teams'
  readonly on: 'red' | 'always'
}

/** How the redeploy proceeds: in waves, with a failure budget, a soak, and a bound on parallel calls. */
export interface RolloutSettings {
  readonly waves: WaveSpec
  readonly maxFailures: number
  readonly bakeSeconds: number
  /** Shell command run every settle-interval during a bake; a non-zero exit halts the run. */
  readonly bakeCheck: string | null
  readonly maxParallel: number
}

export type RedeploySettings =
  | { readonly kind: 'none' }
  | { readonly kind: 'webhook'; readonly url: string; readonly token: string | null; readonly perTenant: boolean }
  | { readonly kind: 'command'; readonly command: string }

export interface PromotionSettings {
  readonly image: string
  readonly promoteTag: string
  readonly username: string | null
  readonly password: string | null
}

/** Where the run comes from: the runner's environment, or the CLI's flags. */
export interface RunContext {
  /** `owner/name` */
  readonly repository: string
  readonly serverUrl: string
  readonly apiUrl: string
  readonly runId: string
  readonly runAttempt: string
  /** Link to this run, for the lock holder, the record and commit statuses. */
  readonly runUrl: string
  /** act_runner sets GITEA_ACTIONS=true. */
  readonly giteaActions: boolean
  /** Who started the run (GITHUB_ACTOR), when the runner says. */
  readonly actor: string | null
}

/** The registry credentials of a promotion (the settings parser guarantees both or neither). */
export function registryCredentials({ username, password }: PromotionSettings): { username: string; password: string } | undefined {
  return username && password ? { username, password } : undefined
}
