import { createHash } from 'node:crypto'
import { Dispatcher } from 'undici'
import type { Random, SimClock } from './sim-clock.js'

/** What one simulated HTTP exchange answers: a response, or a transport error (timeout, reset). */
/** `delayMs`: the server takes this long to answer (a slow control plane), on the simulated clock. */
export type SimAnswer = { status: number; headers?: Record<string, string>; body?: string | Buffer; delayMs?: number } | { error: 'deadline' | 'reset' }

export interface SimRequest {
  readonly origin: string
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** The in-process network: a handler per origin, run when the request "arrives". */
export type SimServer = (req: SimRequest) => SimAnswer

const ERROR_CODES = { deadline: 'UND_ERR_HEADERS_TIMEOUT', reset: 'ECONNRESET' } as const

/**
 * An undici Dispatcher that answers every request in-process, after simulated latency on the
 * simulation clock, so no socket makes the schedule depend on the machine. One per run: it knows which
 * run sent a request, and once that run has crashed it never answers again.
 */
export class SimDispatcher extends Dispatcher {
  constructor(
    private readonly servers: ReadonlyMap<string, SimServer>,
    private readonly clock: SimClock,
    private readonly random: Random,
    private readonly isDead: () => boolean
  ) {
    super()
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    void this.exchange(options, handler)
    return true
  }

  override async close(): Promise<void> {}

  override async destroy(): Promise<void> {}

  private async exchange(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): Promise<void> {
    const legacy = handler as unknown as LegacyHandler
    const modern = typeof handler.onRequestStart === 'function'
    let abortReason: Error | null = null
    const controller = {
      abort: (reason: Error) => (abortReason = reason ?? new Error('aborted')),
      pause: () => {},
      resume: () => {},
      aborted: false,
      paused: false,
      reason: null
    } as unknown as Dispatcher.DispatchController
    if (modern) handler.onRequestStart?.(controller, {})
    else legacy.onConnect?.((reason: Error) => (abortReason = reason ?? new Error('aborted')))

    const fail = (error: Error): void => {
      if (modern) handler.onResponseError?.(controller, error)
      else legacy.onError?.(error)
    }
    const body = await bodyOf(options.body)
    await this.latency()
    if (abortReason) return fail(abortReason)
    const origin = String(options.origin ?? '').replace(/\/$/, '')
    const server = this.servers.get(origin)
    const answer: SimAnswer = server
      ? server({ origin, method: options.method, path: options.path, headers: flatHeaders(options.headers), body })
      : { error: 'reset' }
    await this.latency()
    if (!('error' in answer) && answer.delayMs) await this.clock.sleep(answer.delayMs)
    if (abortReason) return fail(abortReason)
    if ('error' in answer) return fail(Object.assign(new Error(`simulated ${answer.error}`), { code: ERROR_CODES[answer.error] }))

    const payload = typeof answer.body === 'string' ? Buffer.from(answer.body) : (answer.body ?? Buffer.alloc(0))
    const headers: Record<string, string> = { 'content-length': String(payload.length), ...answer.headers }
    if (modern) {
      handler.onResponseStart?.(controller, answer.status, headers, '')
      if (options.method !== 'HEAD' && payload.length) handler.onResponseData?.(controller, payload)
      handler.onResponseEnd?.(controller, {})
    } else {
      const raw = Object.entries(headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)])
      legacy.onHeaders?.(answer.status, raw, () => {}, '')
      if (options.method !== 'HEAD' && payload.length) legacy.onData?.(payload)
      legacy.onComplete?.([])
    }
  }

  private async latency(): Promise<void> {
    if (this.isDead()) await new Promise<never>(() => {})
    await this.clock.sleep(this.random.int(5, 200))
    if (this.isDead()) await new Promise<never>(() => {})
  }
}

interface LegacyHandler {
  onConnect?(abort: (reason: Error) => void): void
  onHeaders?(status: number, raw: Buffer[], resume: () => void, text: string): boolean | void
  onData?(chunk: Buffer): boolean | void
  onComplete?(trailers: Buffer[]): void
  onError?(error: Error): void
}

async function bodyOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (typeof body === 'string') return Buffer.from(body)
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body)
  const chunks: Buffer[] = []
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

function flatHeaders(headers: unknown): Record<string, string> {
  const flat: Record<string, string> = {}
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) flat[String(headers[i]).toLowerCase()] = String(headers[i + 1])
  } else if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (v !== undefined) flat[k.toLowerCase()] = String(v)
  }
  return flat
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}
