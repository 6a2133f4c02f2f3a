import type { Dispatcher } from 'undici'
import type { ErrorClass } from '../types.js'
import { classifyError, describeError, FleetError, httpErrorClass } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { readCommit } from './buildinfo.js'
import { MAX_PROBE_REDIRECTS } from './connection-plan.js'
import type { HealthProbe } from './health.js'

/** What one GET of a tenant's buildinfo found. `detail` is safe to log (neutralized, no URL). */
export type ProbeResult =
  { readonly sha: string; readonly errorClass: null; readonly detail: null } | { readonly sha: null; readonly errorClass: ErrorClass; readonly detail: string }

/** How one GET goes: the transport, a deadline and a body limit. */
export interface GetRequest {
  readonly dispatcher: Pick<Dispatcher, 'dispatch'>
  /** Whole request, connect to last body byte. */
  readonly requestTimeoutMs: number
  readonly maxBodyBytes: number
  /** Ask for `connection: close`: the socket ends with the answer (fleets of many one-tenant hosts). */
  readonly closeAfter?: boolean
}

export interface ProbeRequest extends GetRequest {
  readonly shaFields: readonly string[]
}

const HEADERS = { accept: 'application/json', 'cache-control': 'no-cache', 'user-agent': 'fleet-forward' }

/** Where a probe goes, parsed once per tenant rather than once per round. */
export interface ProbeTarget {
  readonly origin: string
  /** Path and query. */
  readonly path: string
}

export function probeTarget(url: string): ProbeTarget {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
}

export interface RunningGet<T> {
  readonly result: Promise<T>
  /** Ends the probe at once: `result` rejects with `reason` and the socket is dropped. */
  cancel(reason: unknown): void
}

export type RunningProbe = RunningGet<ProbeResult>

/**
 * GETs one buildinfo URL and reads the commit it reports. Every failure becomes a classified result;
 * only cancellation (`signal`) rejects, with the signal's reason, so a cancelled probe is never
 * mistaken for an unreachable tenant.
 */
export async function probeTenant(url: string, req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
  signal?.throwIfAborted()
  const probe = startProbe(probeTarget(url), req)
  const cancel = (): void => probe.cancel(signal?.reason)
  signal?.addEventListener('abort', cancel, { once: true })
  try {
    return await probe.result
  } finally {
    signal?.removeEventListener('abort', cancel)
  }
}

/**
 * The probe itself, written against undici's dispatch handler rather than `request()`: no stream and
 * no AbortSignal per request, which halves the client's CPU per probe at 10,000 tenants. Whatever ends
 * the probe first (deadline, size limit, cancellation, answer) settles it; the request is then
 * aborted, which closes its socket, unless it completed. Redirects are followed here, up to
 * MAX_PROBE_REDIRECTS hops within the one deadline, so a failure after one names the Location it
 * was sent to: a tenant redirected to a dead place is not mistaken for a dead tenant URL.
 */
export function startProbe(target: ProbeTarget, req: ProbeRequest): RunningProbe {
  return startGet<ProbeResult>(
    target,
    req,
    (body) => {
      const reading = readCommit(body, req.shaFields)
      return reading.sha === null ? failure('bad_payload', reading.problem) : { sha: reading.sha, errorClass: null, detail: null }
    },
    failure
  )
}

/** What a health path answered: any 2xx passes; its body is never read for meaning or logged, and `status` carries no remote text. */
export function startHealthProbe(target: ProbeTarget, req: GetRequest): RunningGet<HealthProbe> {
  return startGet<HealthProbe>(
    target,
    req,
    (_body, status) => ({ ok: true, status: `http ${status}` }),
    (errorClass, _detail, status) => ({ ok: false, status: status ? `http ${status}` : errorClass })
  )
}

/**
 * One bounded GET: `onBody` reads a 2xx body (at most `maxBodyBytes`), `onFailure` turns every other
 * end (an error status, a network failure, the deadline, the size limit) into a result, with the
 * HTTP status when there was one. Only cancellation rejects.
 */
function startGet<T>(
  target: ProbeTarget,
  req: GetRequest,
  onBody: (body: string, status: number) => T,
  onFailure: (errorClass: ErrorClass, detail: string, status: number | null) => T
): RunningGet<T> {
  let cancel: (reason: unknown) => void = () => undefined
  const result = new Promise<T>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null
    let abortWhenStarted: Error | null = null
    let settled = false
    /** Every URL asked so far, the tenant's own first; the last one is where a failure happened. */
    const visited = [urlOf(target)]

    const settle = (outcome: { value: T } | { cancelled: unknown }, abortReason?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      if (abortReason) {
        if (controller) controller.abort(abortReason)
        else abortWhenStarted = abortReason
      }
      if ('cancelled' in outcome) reject(outcome.cancelled)
      else resolve(outcome.value)
    }
    /** A failure after a redirect says where the tenant sent the probe (the Location is remote text). */
    const failed = (errorClass: ErrorClass, detail: string, httpStatus: number | null = null): { value: T } => ({
      value: onFailure(errorClass, visited.length > 1 ? `redirected to ${neutralize(visited[visited.length - 1], 200)}: ${detail}` : detail, httpStatus)
    })
    const stop = (errorClass: ErrorClass, detail: string): void => settle(failed(errorClass, detail), new FleetError(detail, errorClass))

    const deadline = setTimeout(() => stop('deadline', `no complete answer within ${req.requestTimeoutMs} ms`), req.requestTimeoutMs)
    cancel = (reason) => settle({ cancelled: reason }, new Error('probe cancelled'))

    const send = (hop: ProbeTarget): void => {
      let status = 0
      let size = 0
      let next: ProbeTarget | null = null
      const chunks: Buffer[] = []
      const ok = (): boolean => status >= 200 && status < 300
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c
          if (abortWhenStarted) c.abort(abortWhenStarted)
        },
        onResponseStart(_c, statusCode, headers) {
          status = statusCode
          if (status >= 300 && status < 400) {
            const followed = redirectTarget(hop, headers.location, visited)
            if (typeof followed === 'string') return stop('redirect', `HTTP ${status}: ${followed}`)
            next = followed
            return
          }
          const declared = Number(headers['content-length'])
          if (ok() && declared > req.maxBodyBytes) stop('too_large', `Content-Length ${declared} exceeds ${req.maxBodyBytes} bytes`)
        },
        onResponseData(_c, chunk) {
          if (settled || next) return
          size += chunk.length
          if (size > req.maxBodyBytes) {
            if (ok()) stop('too_large', `body exceeds ${req.maxBodyBytes} bytes`)
            else settle(failed(httpErrorClass(status), `HTTP ${status}`, status), new FleetError(`HTTP ${status}`, httpErrorClass(status)))
          } else if (ok()) {
            chunks.push(chunk)
          }
        },
        onResponseEnd() {
          if (settled) return
          if (next) {
            // The redirect's own body was read (and dropped), so its connection can serve the next probe.
            visited.push(urlOf(next))
            controller = null
            return send(next)
          }
          // An error answer's body was read (and dropped) so the connection can serve the next probe.
          if (!ok()) return settle(failed(httpErrorClass(status), `HTTP ${status}`, status))
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)
          settle({ value: onBody(body.toString('utf8'), status) })
        },
        onResponseError(_c, error) {
          settle(failed(classifyError(error), neutralize(describeError(error), 200)))
        }
      }
      try {
        req.dispatcher.dispatch({ origin: hop.origin, path: hop.path, method: 'GET', headers: HEADERS, reset: req.closeAfter ?? false }, handler)
      } catch (error) {
        settle(failed(classifyError(error), neutralize(describeError(error), 200)))
      }
    }
    send(target)
  })
  return { result, cancel: (reason) => cancel(reason) }
}

function urlOf(target: ProbeTarget): string {
  return `${target.origin}${target.path}`
}

/** Where a redirect leads, or why it is not followed: no Location, not http(s), a loop, or one hop too many. */
function redirectTarget(from: ProbeTarget, location: string | string[] | undefined, visited: readonly string[]): ProbeTarget | string {
  const given = Array.isArray(location) ? location[0] : location
  if (!given) return 'redirect without a Location'
  let url: URL
  try {
    url = new URL(given, urlOf(from))
  } catch {
    return `redirect to an unusable Location '${neutralize(given, 200)}'`
  }
  const shown = neutralize(url.href, 200)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `redirect to ${shown}, not an http or https URL`
  const next = probeTarget(url.href)
  if (visited.includes(urlOf(next))) return `redirect loop at ${shown}`
  if (visited.length > MAX_PROBE_REDIRECTS) return `more than ${MAX_PROBE_REDIRECTS} redirects; the next would go to ${shown}`
  return next
}

function failure(errorClass: ErrorClass, detail: string): ProbeResult {
  return { sha: null, errorClass, detail }
}
