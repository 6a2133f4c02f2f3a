/** Shared vocabulary of the pipeline (docs/contract.md). Nothing here does I/O. */

/**
 * `planned`: a dry run that could read everything its plan needed. `deferred`: outside every deploy
 * window or during a freeze; nothing was touched, a later run in a window deploys.
 */
export type Result = 'deployed' | 'noop' | 'planned' | 'superseded' | 'deferred' | 'stale' | 'blocked' | 'failed' | 'aborted'

/** Results that leave the step green. */
export const GREEN_RESULTS: ReadonlySet<Result> = new Set(['deployed', 'noop', 'planned', 'superseded', 'deferred'])

/**
 * `unhealthy`: reports the expected commit (or a newer one) but its health check has not passed
 * (src/fleet/health.ts); it is not converged. `not_attempted`: in a wave after the one that halted the
 * run; never told to roll, never read again.
 */
export type TenantState = 'converged' | 'ahead' | 'stale' | 'unreachable' | 'unhealthy' | 'pending' | 'not_attempted'

export type ErrorClass =
  | 'dns'
  | 'refused'
  | 'connect_timeout'
  | 'reset'
  | 'deadline'
  | 'too_large'
  | 'tls'
  | 'http_4xx'
  | 'http_5xx'
  | 'rate_limited'
  | 'bad_payload'
  | 'redirect'
  /** The forge refused the token (401). */
  | 'auth'
  /** The token lacks a permission (403 that is not a rate limit). */
  | 'permission'
  /** The forward proxy (HTTPS_PROXY / HTTP_PROXY) refused, reset or asked for credentials (407). */
  | 'proxy'
  /** The forge answers 404 for the repository: the token cannot see it (private, misspelt, another installation's). */
  | 'not_found'

/** A tenant with its buildinfo URL already resolved (base URL + buildinfo-path). */
export interface Tenant {
  readonly name: string
  readonly url: string
  /** The wave a JSON tenants list assigned (1 first); absent when `waves` or the default decides. */
  readonly wave?: number
  /** Its health URL (`health-path`, or its own in the tenants list); absent: no health check. */
  readonly health?: string
}

export interface TenantReport {
  name: string
  state: TenantState
  /** Commit the tenant reported last, or null when it never answered with one. */
  actual: string | null
  attempts: number
  /** Seconds from the start of verify until the tenant first reported the expected commit. */
  seconds_to_converge: number | null
  error_class: ErrorClass | null
  /** It reported the expected commit (or a newer one) at an earlier read of this run, then an older one, and has not settled since: it went backward. */
  regressed: boolean
  /** Its health check's verdict once it ran (true: passed); absent (or null in a record) while no health probe was made. */
  healthy?: boolean | null
  /** The health check's last status (`http 503`, `deadline`), with `healthy`. */
  health_status?: string | null
}

/** Where `head` stands relative to `base` (GitHub's compare `status`). */
export type Ancestry = 'identical' | 'ahead' | 'behind' | 'diverged'

/** A logger the core writes to; the action maps it onto @actions/core, the CLI onto the terminal. */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  /** Collapsible group where the host supports it. */
  group<T>(title: string, body: () => Promise<T>): Promise<T>
}
