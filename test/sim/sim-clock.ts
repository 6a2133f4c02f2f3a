import type { Clock } from '../../src/util/clock.js'

/**
 * Discrete-event time for the simulation: `sleep` registers a timer; `run` fires timers in time order
 * (ties in registration order), letting every promise chain settle between two timers. Nothing waits
 * for real time, and the same seed gives the same interleaving.
 */
export class SimClock implements Clock {
  private current: number
  private seq = 0
  private readonly timers: { at: number; seq: number; fire: () => void }[] = []
  /** Timers fired so far: the number of scheduling steps taken. */
  steps = 0

  constructor(start: number) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fire: () => {} }
      const onAbort = (): void => {
        const index = this.timers.indexOf(timer)
        if (index >= 0) this.timers.splice(index, 1)
        reject(signal?.reason)
      }
      timer.fire = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.insert(timer)
    })
  }

  /** Calls `fn` at `at` (absolute time). */
  at(at: number, fn: () => void): void {
    this.insert({ at: Math.max(at, this.current), seq: this.seq++, fire: fn })
  }

  /** Fires timers until none is left or `until` returns true; `afterStep` runs once everything has settled after each timer. */
  async run(options: { until?: () => boolean; afterStep?: () => void; maxSteps?: number } = {}): Promise<void> {
    const maxSteps = options.maxSteps ?? 400_000
    const zeroTimers = deferZeroTimers()
    try {
      for (;;) {
        await settle(zeroTimers)
        options.afterStep?.()
        if (options.until?.()) return
        const next = this.timers.shift()
        if (!next) return
        if (++this.steps > maxSteps) throw new Error(`simulation did not finish within ${maxSteps} steps`)
        this.current = Math.max(this.current, next.at)
        next.fire()
      }
    } finally {
      zeroTimers.restore()
    }
  }

  private insert(timer: { at: number; seq: number; fire: () => void }): void {
    let i = this.timers.length
    while (i > 0 && (this.timers[i - 1]!.at > timer.at || (this.timers[i - 1]!.at === timer.at && this.timers[i - 1]!.seq > timer.seq))) i--
    this.timers.splice(i, 0, timer)
  }
}

/** Lets every pending promise chain (microtasks, nextTicks, stream events, deferred jobs) run to its next timer. */
async function settle(zeroTimers: ZeroTimers): Promise<void> {
  for (let i = 0; i < 8 || zeroTimers.pending() > 0; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

interface ZeroTimers {
  /** Deferred callbacks not yet run. */
  pending(): number
  restore(): void
}

/**
 * Bottleneck (inside Octokit's throttling and retry plugins) defers every job with `setTimeout(fn, 0)`, a
 * real millisecond that may or may not pass before the simulation fires its next timer. While the
 * simulation runs, a zero-delay timer is an immediate the scheduler waits for (settle), so a request leaves
 * at the simulated moment it was made, the same way on every run. Other timers are left alone.
 */
function deferZeroTimers(): ZeroTimers {
  const realSetTimeout = globalThis.setTimeout
  const realClearTimeout = globalThis.clearTimeout
  const deferred = new Set<{ cancelled: boolean }>()
  const setTimeoutDeferring = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown => {
    if (ms !== undefined && ms > 0) return realSetTimeout(fn, ms, ...args)
    const handle = { cancelled: false, ref: () => handle, unref: () => handle, hasRef: () => false }
    deferred.add(handle)
    setImmediate(() => {
      deferred.delete(handle)
      if (!handle.cancelled) fn(...args)
    })
    return handle
  }
  const clearTimeoutDeferring = (handle: unknown): void => {
    if (handle && typeof handle === 'object' && deferred.has(handle as { cancelled: boolean })) {
      ;(handle as { cancelled: boolean }).cancelled = true
      deferred.delete(handle as { cancelled: boolean })
    } else realClearTimeout(handle as Parameters<typeof clearTimeout>[0])
  }
  globalThis.setTimeout = setTimeoutDeferring as unknown as typeof setTimeout
  globalThis.clearTimeout = clearTimeoutDeferring as typeof clearTimeout
  return {
    pending: () => deferred.size,
    restore: () => {
      globalThis.setTimeout = realSetTimeout
      globalThis.clearTimeout = realClearTimeout
    }
  }
}

/** Seeded PRNG (mulberry32): the whole schedule derives from one 32-bit seed. */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }
}
