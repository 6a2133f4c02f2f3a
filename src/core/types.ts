/** Shared vocabulary of the pipeline (docs/contract.md). Nothing here does I/O. */

/** `planned`: a dry run that could read everything its plan needed. */
export type Result = 'deployed' | 'noop' | 'planned' | 'superseded' | 'stale' | 'blocked' | 'failed' | 'aborted'

/** Results that leave the step green. */
export const GREEN_RESULTS: ReadonlySet<Result> = new Set(['deployed', 'noop', 'planned', 'superseded'])

/** `not_attempted`: in a wave after the one that halted the run; never told to roll, never read again. */
export type TenantState = 'converged' | 'ahead' | 'stale' | 'unreachable' | 'pending' | 'not_attempted'

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
