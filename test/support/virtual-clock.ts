import type { Clock } from '../../src/util/clock.js'

/**
 * A Clock for tests: time stands still until someone sleeps, and `sleep(ms)` moves it forward by `ms`
 * at once, so a 240 s settle budget runs in milliseconds. `sleeps` records every requested sleep.
 *
 *   const clock = new VirtualClock(Date.UTC(2026, 0, 1))
 *   await clock.sleep(20_000)      // resolves immediately; clock.now() is 20 s later
 *   clock.advance(5_000)           // move time without a sleep (e.g. to stage a schedule)
 */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = []

  constructor(private current = 0) {}

  now(): number {
    return this.current
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    this.sleeps.push(ms)
    this.current += Math.max(0, ms)
  }

  advance(ms: number): void {
    this.current += ms
  }
}
