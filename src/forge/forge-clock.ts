import type { Clock } from '../util/clock.js'

/**
 * The forge's clock as this run last observed it: the local clock plus the offset learned from the
 * `Date` header of the forge's latest answer (the time the forge generated it). Lock leases are written
 * and judged on it, so runners whose own clocks disagree still agree on when a lease ends. Before any
 * answer it is the local clock. The header has one-second resolution and the answer took a round trip
 * to arrive: two runners' views differ by about that much, which the lock's skew grace covers.
 */
export class ForgeClock {
  private offsetMs = 0

  constructor(private readonly local: Pick<Clock, 'now'>) {}

  /** Learns the offset from an answer's `Date` header; an absent or unreadable header changes nothing. */
  observe(dateHeader: string | undefined): void {
    const forgeMs = dateHeader ? Date.parse(dateHeader) : NaN
    if (Number.isFinite(forgeMs)) this.offsetMs = forgeMs - this.local.now()
  }

  now(): number {
    return this.local.now() + this.offsetMs
  }
}
