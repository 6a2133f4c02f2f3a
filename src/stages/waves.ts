import type { WaveSpec } from '../config/waves.js'
import { splitIntoWaves } from '../config/waves.js'
import type { Tenant } from '../types.js'

/** One wave of the rollout: the tenants it verifies, and those of them it tells to roll. */
export interface Wave {
  /** 1 for the first wave. */
  readonly index: number
  readonly tenants: readonly Tenant[]
  readonly toRoll: readonly string[]
}

/**
 * How a wave ended, for the record and the summary: `stale` is a wave that ended with tenants not verified but
 * within max-failures (the run goes on, and ends red); `halted`, more than max-failures.
 */
export type WaveResult = 'converged' | 'stale' | 'halted' | 'superseded' | 'aborted' | 'failed' | 'not_attempted'

export interface WaveRecord {
  readonly wave: number
  readonly tenants: number
  redeployed: number
  result: WaveResult
  seconds: number | null
}

/**
 * Splits the fleet into waves. With `waves` steps, the tenants to roll are split in fleet order (so
 * the canary is always a tenant that really rolls) and every tenant that needs no redeploy is verified
 * with the last wave; with a `wave` field per tenant, each tenant is in its own wave, rolled or not;
 * by default there is one wave. Waves without any tenant are dropped. `toRoll` may come in any order:
 * every wave lists its tenants, and those it rolls, in fleet order.
 */
export function planWaves(tenants: readonly Tenant[], toRoll: readonly string[], spec: WaveSpec): Wave[] {
  const rolling = new Set(toRoll)
  const groups = groupTenants(tenants, rolling, spec)
  return groups.map((group, i) => ({
    index: i + 1,
    tenants: group,
    toRoll: group.filter((t) => rolling.has(t.name)).map((t) => t.name)
  }))
}

function groupTenants(tenants: readonly Tenant[], rolling: ReadonlySet<string>, spec: WaveSpec): Tenant[][] {
  switch (spec.kind) {
    case 'single':
      return [[...tenants]]
    case 'per-tenant': {
      const numbers = [...new Set(tenants.map((t) => t.wave!))].sort((a, b) => a - b)
      return numbers.map((n) => tenants.filter((t) => t.wave === n))
    }
    case 'steps': {
      const waves = splitIntoWaves(
        tenants.filter((t) => rolling.has(t.name)),
        spec.steps
      )
      const untouched = tenants.filter((t) => !rolling.has(t.name))
      if (waves.length === 0) return [untouched]
      waves[waves.length - 1].push(...untouched)
      return waves
    }
  }
}

/** `wave 2 of 3`, or nothing for a single-wave run (its log reads as before waves existed). */
export function waveLabel(wave: Wave, count: number): string {
  return count > 1 ? `wave ${wave.index} of ${count}` : 'the fleet'
}

/** Each tenant's wave, for the record. */
export function waveOfTenants(waves: readonly Wave[]): Map<string, number> {
  return new Map(waves.flatMap((wave) => wave.tenants.map((t): [string, number] => [t.name, wave.index])))
}

export type WaveVerdict = 'converged' | 'stale' | 'halted'

/**
 * A wave's verdict: halted when the tenants not verified so far (this wave's and earlier waves' together) are
 * more than `max-failures`; else stale when a tenant this wave verified failed; else converged.
 */
export function waveVerdict(failingHere: number, failingSoFar: number, maxFailures: number): WaveVerdict {
  return failingSoFar > maxFailures ? 'halted' : failingHere > 0 ? 'stale' : 'converged'
}
