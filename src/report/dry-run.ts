import type { Wave } from '../stages/waves.js'
import { waveLabel } from '../stages/waves.js'
import { chunks, groupBy } from '../util/group-by.js'

/** Names per log line when a wave's plan is listed in full. */
const NAMES_PER_LINE = 20
/** Up to this many tenants to roll, a wave's plan fits on its own line. */
const ONE_LINE = 10

/**
 * A dry run's plan for the log, wave by wave, naming every tenant that would roll and the commit it
 * would roll from. A short wave is one line; a longer one is a line, then the names grouped by the
 * commit they run now, a few to a line, so a plan of thousands stays complete and readable.
 */
export function dryRunPlanLines(waves: readonly Wave[], fromOf: (name: string) => string, to: string): string[] {
  return waves.flatMap((wave) => {
    const label = `dry run, ${waveLabel(wave, waves.length)}: would roll ${wave.toRoll.length}`
    const verify = `then verify ${wave.tenants.length} tenant(s)`
    if (wave.toRoll.length <= ONE_LINE) {
      const rolls = wave.toRoll.map((name) => `${name} ${fromOf(name)} → ${to}`)
      return [`${label}${rolls.length ? ` (${rolls.join(', ')})` : ''}, ${verify}`]
    }
    const byFrom = groupBy(wave.toRoll, fromOf)
    return [
      `${label} to ${to}, ${verify}:`,
      ...[...byFrom].flatMap(([from, names]) => chunks(names, NAMES_PER_LINE).map((part) => `  from ${from} (${names.length}): ${part.join(', ')}`))
    ]
  })
}
