import { request, type Dispatcher } from 'undici'
import { classifyError, describeError, FleetError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'

export type HttpHeaders = Record<string, string | string[] | undefined>

/** One HTTP exchange, with a deadline and a body limit; no auth, no retries. */
export interface Exchange {
  readonly url: string
  readonly method: 'GET' | 'HEAD' | 'PUT'
  readonly headers: Record<string, string>
  readonly body?: Buffer
  readonly maxBytes: number
  readonly timeoutMs: number
  readonly dispatcher?: Dispatcher
  /** Names the endpoint in errors (`registry/repository:tag`, never a URL with credentials). */
  readonly subject: string
}

export interface ExchangeResult {
  readonly status: number
  readonly headers: HttpHeaders
  readonly body: Buffer
}

export async function exchange(x: Exchange): Promise<ExchangeResult> {
  let res: Dispatcher.ResponseData
  try {
    res = await request(x.url, {
      method: x.method,
      headers: x.headers,
      body: x.body,
      dispatcher: x.dispatcher,
      headersTimeout: x.timeoutMs,
      bodyTimeout: x.timeoutMs
    })
  } catch (error) {
    throw transportError(error, x.subject)
  }
  const body = await readLimited(res, x.maxBytes, x.subject)
  return { status: res.statusCode, headers: res.headers, body }
}

export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function readLimited(res: Dispatcher.ResponseData, maxBytes: number, subject: string): Promise<Buffer> {
  const tooLarge = (): FleetError => new FleetError(`${subject}: response body larger than ${maxBytes} bytes`, 'too_large', subject)
  const declared = Number(headerValue(res.headers, 'content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy()
    throw tooLarge()
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length
      if (size > maxBytes) throw tooLarge()
      chunks.push(chunk as Buffer)
    }
  } catch (error) {
    if (error instanceof FleetError) throw error
    throw transportError(error, subject)
  }
  return Buffer.concat(chunks)
}

function transportError(error: unknown, subject: string): FleetError {
  const errorClass = classifyError(error)
  return new FleetError(`${subject}: request failed (${errorClass}): ${neutralize(describeError(error))}`, errorClass, subject)
}
