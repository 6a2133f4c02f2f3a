import { request, type Dispatcher } from 'undici'
import type { ErrorClass } from '../core/types.js'
import { classifyError, describeError, FleetError, httpErrorClass } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { readCommit } from './buildinfo.js'

/** What one GET of a tenant's buildinfo found. `detail` is safe to log (neutralized, no URL). */
export type ProbeResult =
  | { readonly sha: string; readonly errorClass: null; readonly detail: null }
  | { readonly sha: null; readonly errorClass: ErrorClass; readonly detail: string }

export interface ProbeRequest {
  readonly dispatcher: Dispatcher
  readonly shaFields: readonly string[]
  /** Whole request, connect to last body byte. */
  readonly requestTimeoutMs: number
  readonly maxBodyBytes: number
}

const HEADERS = { accept: 'application/json', 'cache-control': 'no-cache', 'user-agent': 'fleet-forward' }

/**
 * GETs one buildinfo URL and reads the commit it reports. Every failure becomes a classified result;
 * only cancellation (`signal`) throws, with the signal's reason, so a cancelled probe is never mistaken
 * for an unreachable tenant.
 */
export async function probeTenant(url: string, req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
  signal?.throwIfAborted()
  const controller = new AbortController()
  const deadline = setTimeout(
    () => controller.abort(new FleetError(`no complete answer within ${req.requestTimeoutMs} ms`, 'deadline')),
    req.requestTimeoutMs
  )
  const cancel = (): void => controller.abort(signal?.reason)
  signal?.addEventListener('abort', cancel, { once: true })
  try {
    const response = await request(url, {
      method: 'GET',
      headers: HEADERS,
      dispatcher: req.dispatcher,
      signal: controller.signal
    })
    const { statusCode, body } = response
    if (statusCode < 200 || statusCode >= 300) {
      // Read (a bounded amount of) the body so the connection can serve the next probe.
      await body.dump({ limit: req.maxBodyBytes }).catch(() => undefined)
      return failure(httpErrorClass(statusCode), `HTTP ${statusCode}`)
    }
    const declared = Number(response.headers['content-length'])
    if (declared > req.maxBodyBytes) {
      body.destroy()
      return failure('too_large', `Content-Length ${declared} exceeds ${req.maxBodyBytes} bytes`)
    }
    const text = await readBounded(body, req.maxBodyBytes)
    if (text === null) return failure('too_large', `body exceeds ${req.maxBodyBytes} bytes`)
    const reading = readCommit(text, req.shaFields)
    return reading.sha === null ? failure('bad_payload', reading.problem) : { sha: reading.sha, errorClass: null, detail: null }
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    return failure(classifyError(error), neutralize(describeError(error), 200))
  } finally {
    clearTimeout(deadline)
    signal?.removeEventListener('abort', cancel)
  }
}

/** The body as text, or null once it passes `limit` bytes (the stream is destroyed, which drops the socket). */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      return null
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

function failure(errorClass: ErrorClass, detail: string): ProbeResult {
  return { sha: null, errorClass, detail }
}
