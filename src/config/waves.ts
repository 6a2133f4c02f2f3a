import { InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'

/**
 * The `waves` input: ordered, cumulative steps over the tenants to redeploy, each a count (`1`) or a
 * percentage (`10%`), e.g. `1, 10%, 100%`: a canary, then a tenth of the fleet, then the rest. The
 * last step must reach every tenant, so a spec can never leave part of the fleet unrolled by mistake.
 */
export type WaveStep = { readonly count: number } | { readonly percent: number }

export type WaveSpec =
  /** One wave, every tenant at once. */
  | { readonly kind: 'single' }
  | { readonly kind: 'steps'; readonly steps: readonly WaveStep[] }
  /** Each tenant names its wave in the JSON tenants list (`"wave": 2`). */
  | { readonly kind: 'per-tenant' }

const MAX_WAVES = 20

export function parseWaveSpec(raw: string, tenantsNameWaves: boolean): WaveSpec {
  if (!raw) return tenantsNameWaves ? { kind: 'per-tenant' } : { kind: 'single' }
  if (tenantsNameWaves) throw new InputError('waves', 'cannot be combined with a "wave" field in the tenants list; use one of them')
  const entries = raw.split(',').map((entry) => entry.trim())
  if (entries.length > MAX_WAVES) throw new InputError('waves', `has ${entries.length} steps; at most ${MAX_WAVES}`)
  const steps = entries.map((entry, index): WaveStep => {
    const percent = /^(\d{1,3}(?:\.\d+)?)%$/.exec(entry)
    if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100) return { percent: Number(percent[1]) }
    if (/^\d{1,7}$/.test(entry) && Number(entry) > 0) return { count: Number(entry) }
    throw new InputError('waves', `step ${index + 1} '${neutralize(entry, 20)}' must be a count (e.g. 1) or a percentage (e.g. 10%), greater than 0`)
  })
  assertIncreasing(
    steps.filter((s): s is { percent: number } => 'percent' in s).map((s) => s.percent),
    '%'
  )
  assertIncreasing(
    steps.filter((s): s is { count: number } => 'count' in s).map((s) => s.count),
    ''
  )
  const last = steps[steps.length - 1]
  if (!('percent' in last && last.percent === 100)) {
    throw new InputError('waves', `steps are cumulative and the last must reach every tenant: end with 100%, got '${entries[entries.length - 1]}'`)
  }
  return { kind: 'steps', steps }
}

function assertIncreasing(values: readonly number[], unit: string): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] <= values[i - 1]) throw new InputError('waves', `steps are cumulative: ${values[i]}${unit} follows ${values[i - 1]}${unit}`)
  }
}

/**
 * Splits `names` (in fleet order) into the waves of `steps`: each step is a cumulative count, a
 * percentage rounded up (10% of 8 is 1), so a canary step always holds at least one tenant. Steps that
 * add nobody are dropped.
 */
export function splitIntoWaves<T>(items: readonly T[], steps: readonly WaveStep[]): T[][] {
  const waves: T[][] = []
  let taken = 0
  for (const step of steps) {
    const upTo = Math.min(items.length, 'count' in step ? step.count : Math.ceil((step.percent * items.length) / 100 - 1e-9))
    if (upTo > taken) {
      waves.push(items.slice(taken, upTo))
      taken = upTo
    }
  }
  return waves
}
