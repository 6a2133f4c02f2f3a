import { FleetError, HttpStatusError } from '../util/errors.js'
import type { ForgeKind } from './types.js'

/** A refusal to serve yet: 429, or a 403 that is a rate limit (GitHub's primary and secondary limits answer 403 as well). */
export class RateLimitedError extends HttpStatusError {
  override readonly errorClass = 'rate_limited' as const
}

/**
 * A 401 (token refused) or a 403 that is not a rate limit (permission missing): no retry or wait can
 * fix it, so it is never retried and ends the run as `failed` with class `auth` or `permission`.
 */
export class AccessDeniedError extends HttpStatusError {
  override readonly errorClass: 'auth' | 'permission'

  constructor(status: 401 | 403, endpoint: string, detail: string, permission: string | undefined) {
    const remedy =
      status === 401
        ? 'the forge refused the token: check that the token input is set and not expired or revoked'
        : `the token lacks a permission${permission ? `: it needs ${permission}` : ''}`
    super(status, endpoint, detail ? `${detail}; ${remedy}` : remedy)
    this.errorClass = status === 401 ? 'auth' : 'permission'
  }
}

export function isNotFound(error: unknown): error is HttpStatusError {
  return error instanceof HttpStatusError && error.status === 404
}

/** What a token that cannot see the repository needs, per forge. */
const GRANT: Record<ForgeKind, string> = {
  github:
    'a GITHUB_TOKEN sees only the repository of its own workflow; for another one pass a GitHub App installation token or a fine-grained token granted that repository (contents: write, statuses: write)',
  gitea: "a job's automatic token sees only its own repository; for another one pass a token of a user with write access to it (scope write:repository)"
}

/**
 * The repository itself answered 404: both forges answer so for a private repository the token cannot
 * see, so no wait can fix it (class `not_found`, fatal). `endpoint` is the request that answered 404.
 */
export class RepositoryNotFoundError extends FleetError {
  constructor(kind: ForgeKind, repository: string, endpoint: string) {
    super(
      `repository '${repository}' cannot be seen with this token (${endpoint} answered 404): it is private and the token has no access to it, ` +
        `the name is wrong, or the token belongs to another installation or user; ${GRANT[kind]}`,
      'not_found',
      repository
    )
  }
}
