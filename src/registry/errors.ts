import type { ErrorClass } from '../types.js'
import { FleetError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'

/** One entry of the Distribution API's error body `{"errors":[{"code","message","detail"}]}`. */
export interface OciError {
  code: string
  message: string
}

/** What a failed request was about, so its error names the image, the registry and the access it needed. */
export interface RegistryTarget {
  readonly registry: string
  /** `registry/repository:tag` or `registry/repository@digest` */
  readonly target: string
  readonly action: 'pull' | 'push'
  readonly hasCredentials: boolean
}

/** A refusal or failure of the registry, with the OCI error code when it gave one. */
export class RegistryError extends FleetError {
  constructor(
    message: string,
    errorClass: ErrorClass | 'registry',
    subject: string,
    readonly code: string | null,
    readonly status: number | null,
    /** Seconds the registry asked us to wait (Retry-After), when it said. */
    readonly retryAfterSeconds?: number
  ) {
    super(message, errorClass, subject)
    this.name = 'RegistryError'
  }

  /** The same error, its message extended by what the client already tried (e.g. waits). */
  withNote(note: string): RegistryError {
    return new RegistryError(
      `${this.message}; ${note}`,
      this.errorClass as ErrorClass | 'registry',
      this.subject ?? '',
      this.code,
      this.status,
      this.retryAfterSeconds
    )
  }
}

const CODE = /^[A-Z][A-Z_]{0,63}$/
const REMOTE_TEXT_MAX = 200

export function parseOciErrors(body: Buffer): OciError[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return []
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors
  if (!Array.isArray(errors)) return []
  return errors
    .filter((e): e is { code: string; message?: unknown } => typeof e?.code === 'string' && CODE.test(e.code))
    .map((e) => ({ code: e.code, message: typeof e.message === 'string' ? e.message : '' }))
}

const STATUS_CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 429: 'TOOMANYREQUESTS' }

export function registryErrorClass(status: number): ErrorClass | 'registry' {
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'http_5xx'
  return 'registry'
}

/** Builds the error for a non-2xx answer, keeping the wait the registry asked for. */
export function registryErrorFor(status: number, body: Buffer, t: RegistryTarget, retryAfterSeconds?: number): RegistryError {
  const errors = parseOciErrors(body)
  const code = errors[0]?.code ?? STATUS_CODES[status] ?? null
  const remote = errors
    .map((e) => e.message)
    .filter((m) => m !== '')
    .join('; ')
  const detail = remote ? `: ${neutralize(remote, REMOTE_TEXT_MAX)}` : ''
  const message = `${t.target}: ${explain(code, status, t)}${detail}`
  return new RegistryError(message, registryErrorClass(status), t.target, code, status, retryAfterSeconds)
}

function explain(code: string | null, status: number, t: RegistryTarget): string {
  const r = t.registry
  switch (code) {
    case 'UNAUTHORIZED':
      return t.hasCredentials
        ? `registry ${r} rejected the credentials (UNAUTHORIZED); check registry-username and registry-password`
        : `registry ${r} requires authentication (UNAUTHORIZED); set registry-username and registry-password`
    case 'DENIED':
      return `registry ${r} denied ${t.action} access (DENIED); the credentials need permission to ${
        t.action === 'push' ? 'write (push) packages' : 'read (pull) packages'
      } of this repository`
    case 'MANIFEST_UNKNOWN':
      return `no such tag or manifest in registry ${r} (MANIFEST_UNKNOWN)`
    case 'NAME_UNKNOWN':
      return `repository unknown to registry ${r} (NAME_UNKNOWN)`
    case 'TOOMANYREQUESTS':
      return `registry ${r} is rate limiting requests (TOOMANYREQUESTS)`
    default:
      return `registry ${r} answered HTTP ${status}${code ? ` (${code})` : ''}`
  }
}
