import { HttpStatusError } from '../util/errors.js'

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
