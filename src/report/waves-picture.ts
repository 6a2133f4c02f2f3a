import type { WaveRecord, WaveResult } from '../stages/waves.js'

const WAVE_ICON: Readonly<Record<WaveResult, string>> = {
  converged: '🟢',
  stale: '🔴',
  halted: '🔴',
  failed: '🔴',
  superseded: '⏭️',
  aborted: '⏹️',
  not_attempted: '⚪'
}

/**
 * The waves at a glance: one strip in rollout order (which converged, which halted, which were never
 * attempted), then a row per wave. A single-wave run (the default) has nothing to show here.
 */
export function wavesPicture(waves: readonly WaveRecord[]): string[] {
  if (waves.length <= 1) return []
  const strip = waves.map((w) => `${WAVE_ICON[w.result]} wave ${w.wave}`).join(' → ')
  return [
    `**Waves** ${strip}`,
    '',
    '| wave | tenants | redeployed | result | seconds |',
    '|---|---|---|---|---|',
    ...waves.map((w) => `| ${w.wave} | ${w.tenants} | ${w.redeployed} | ${WAVE_ICON[w.result]} ${w.result.replace('_', ' ')} | ${w.seconds ?? '–'} |`),
    ''
  ]
}
