import type { ErrorClass } from '../types.js'

/**
 * An error a person can act on: it carries the class used in records and the thing it is about
 * (an input, a tenant, an endpoint). `message` is already safe to log (no secrets, no remote commands).
 */
export class FleetError extends Error {
  constructor(
    message: string,
    readonly errorClass: ErrorClass | 'input' | 'forge' | 'registry' | 'internal',
    readonly subject?: string
  ) {
    super(message)
    this.name = 'FleetError'
  }
}

/** An invalid input: raised before any network call, naming the input. */
export class InputError extends FleetError {
  constructor(
    readonly input: string,
    problem: string
  ) {
    super(`input '${input}': ${problem}`, 'input', input)
    this.name = 'InputError'
  }
}

/**
 * Every invalid input of one invocation, so a run reports them all at once rather than one per run.
 * It is an InputError about the first one, so whatever handles an input error handles it.
 */
export class InputErrors extends InputError {
  constructor(readonly errors: readonly InputError[]) {
    super(errors[0].input, '')
    this.message = `${errors.length} inputs are invalid: ${errors.map((error) => error.message).join('; ')}`
    this.name = 'InputErrors'
  }
}

/** An HTTP answer outside 2xx, classified the way records need it. */
export class HttpStatusError extends FleetError {
  constructor(
    readonly status: number,
    readonly endpoint: string,
    detail: string,
    /** Seconds the server asked us to wait (Retry-After or x-ratelimit-reset), when it said. */
    readonly retryAfterSeconds?: number
  ) {
    super(`${endpoint} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, httpErrorClass(status), endpoint)
    this.name = 'HttpStatusError'
  }
}

export function httpErrorClass(status: number): ErrorClass {
  if (status === 429) return 'rate_limited'
  // A redirect that reaches the caller was not followed: a POST (its body would be lost), or a chain cut short.
  if (status >= 300 && status < 400) return 'redirect'
  if (status >= 500) return 'http_5xx'
  return 'http_4xx'
}

/**
 * The forward proxy a request went through failed it: refused or reset the connection, asked for
 * credentials (407), or refused a tunnel. Raised by the proxy-aware dispatcher (src/util/dispatcher.ts);
 * `proxy` is its host:port, never its userinfo.
 */
export class ProxyError extends Error {
  constructor(
    readonly proxy: string,
    problem: string,
    cause?: unknown
  ) {
    super(`proxy ${proxy} ${problem}`, { cause })
    this.name = 'ProxyError'
  }
}

const CODE_CLASSES: Record<string, ErrorClass> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  ECONNREFUSED: 'refused',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ETIMEDOUT: 'connect_timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_HEADERS_TIMEOUT: 'deadline',
  UND_ERR_BODY_TIMEOUT: 'deadline',
  UND_ERR_ABORTED: 'deadline',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too_large',
  // OpenSSL reports a failed handshake (e.g. TLS spoken to a plain-HTTP port) as EPROTO.
  EPROTO: 'tls',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'reset'
}

/** Maps anything a request can throw onto the error classes of docs/contract.md, Verify. */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof FleetError && error.errorClass in CLASS_NAMES) return error.errorClass as ErrorClass
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ProxyError) return 'proxy'
    const e = current as { code?: string; name?: string; message?: unknown }
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'deadline'
    if (e.code && CODE_CLASSES[e.code]) return CODE_CLASSES[e.code]
    // llhttp refused the answer: not HTTP/1.1 as the RFC writes it (e.g. both Transfer-Encoding and Content-Length).
    if (e.name === 'HTTPParserError') return 'bad_payload'
    // undici's redirect interceptor refuses a Location it has already visited.
    if (e.code === 'UND_ERR_INVALID_ARG' && /redirect loop/i.test(String(e.message))) return 'redirect'
    if (e.code && /^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code)) return 'tls'
    current = (current as { cause?: unknown }).cause
  }
  return 'reset'
}

const CLASS_NAMES: Record<ErrorClass, true> = {
  dns: true,
  refused: true,
  connect_timeout: true,
  reset: true,
  deadline: true,
  too_large: true,
  tls: true,
  http_4xx: true,
  http_5xx: true,
  rate_limited: true,
  bad_payload: true,
  redirect: true,
  auth: true,
  permission: true,
  proxy: true,
  not_found: true
}

/** Failures no wait or retry can fix: the run stops at once instead of failing open (ownership) or waiting out `lock-timeout`. */
const FATAL_CLASSES: ReadonlySet<FleetError['errorClass']> = new Set(['input', 'auth', 'permission', 'proxy', 'not_found'])

/**
 * An input found wrong on the forge (a branch that does not exist), a token refused (401) or lacking a
 * permission (403), a forward proxy that failed the request, or a repository the token cannot see (404):
 * the run fails at once, with the class in its record.
 */
export function isFatal(error: unknown): error is FleetError {
  return error instanceof FleetError && FATAL_CLASSES.has(error.errorClass)
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
