import type { TenantReport, TenantState } from '../../src/types.js'
import { buildRecord, initialFacts, type RunRecord, type TenantRecord } from '../../src/stages/record.js'

/** A run record as the pipeline cuts it, for tests of what is rendered from one. */
export function recordOf(message: string, tenants: readonly TenantReport[], result: RunRecord['result'] = 'stale'): RunRecord {
  return buildRecord(
    {
      environment: 'production',
      repository: 'acme/fleet',
      forge: 'github',
      runUrl: 'https://github.com/acme/fleet/actions/runs/7',
      sha: '7f25373'.padEnd(40, '0'),
      targetTag: 'staging-7f25373',
      dryRun: false,
      actor: 'octocat'
    },
    { ...initialFacts(0, [...tenants], '7f25373'.padEnd(40, '0')), headSha: '7f25373'.padEnd(40, '0'), rounds: 3 },
    { requests: 12, notModified: 4 },
    { result, message, errorClass: null },
    60_000
  )
}

/** A tenant as the record carries it (planned on an older commit, not redeployed, no wave). */
export function tenant(name: string, state: TenantState): TenantRecord {
  const settled = state === 'converged' || state === 'ahead' || state === 'unhealthy'
  return {
    name,
    state,
    actual: settled ? '7f25373'.padEnd(40, '0') : null,
    attempts: 3,
    seconds_to_converge: settled && state !== 'unhealthy' ? 12 : null,
    error_class: state === 'unreachable' ? 'refused' : null,
    regressed: false,
    healthy: state === 'unhealthy' ? false : null,
    health_status: state === 'unhealthy' ? 'http 503' : null,
    wave: null,
    before: null,
    redeployed: false,
    redeployed_at: null
  }
}

/**
 * A fleet of `size` tenants in three waves that halted in wave 2: wave 1 converged, wave 2 has stale
 * and unreachable tenants (every error class in turn), wave 3 was not attempted.
 */
export function haltedFleet(size: number): RunRecord {
  const classes = ['dns', 'refused', 'connect_timeout', 'tls', 'http_5xx', 'deadline'] as const
  const third = Math.ceil(size / 3)
  const tenants = Array.from({ length: size }, (_, i) => {
    const name = `tenant-${String(i + 1).padStart(5, '0')}`
    const wave = i < third ? 1 : i < 2 * third ? 2 : 3
    if (wave === 1) return { ...tenant(name, 'converged'), wave }
    if (wave === 3) return { ...tenant(name, 'not_attempted'), wave }
    if (i % 4 === 0) return { ...tenant(name, 'stale'), actual: '6e14d2c'.padEnd(40, '0'), wave }
    if (i % 4 === 1) return { ...tenant(name, 'unreachable'), error_class: classes[Math.floor(i / 4) % classes.length], wave }
    return { ...tenant(name, 'converged'), wave }
  })
  const base = recordOf(
    `wave 2 of 3 halted: ${tenants.filter((t) => t.state === 'stale' || t.state === 'unreachable').length} tenant(s) not converged`,
    tenants
  )
  return {
    ...base,
    tenants,
    waves: [
      { wave: 1, tenants: third, redeployed: third, result: 'converged', seconds: 41 },
      { wave: 2, tenants: third, redeployed: third, result: 'halted', seconds: 300 },
      { wave: 3, tenants: size - 2 * third, redeployed: 0, result: 'not_attempted', seconds: null }
    ]
  }
}

/** A deployed-then-verified fleet of `size` tenants in one wave where only tenant number `staleAt` (1-based) still reports the older commit. */
export function oneStaleFleet(size: number, staleAt: number): RunRecord {
  const tenants = Array.from({ length: size }, (_, i) => {
    const name = `tenant-${String(i + 1).padStart(5, '0')}`
    const row = { ...tenant(name, 'converged'), wave: 1, before: '6e14d2c'.padEnd(40, '0'), redeployed: true }
    return i + 1 === staleAt ? { ...row, state: 'stale' as const, actual: '6e14d2c'.padEnd(40, '0'), seconds_to_converge: null } : row
  })
  return {
    ...recordOf(`1 of ${size} tenant(s) did not report 7f25373 within the settle budget: ${tenants[staleAt - 1].name}`, tenants),
    tenants,
    waves: [{ wave: 1, tenants: size, redeployed: size, result: 'halted', seconds: 300 }]
  }
}

/**
 * A dry run's record over `size` tenants: every third already reports the commit, the others report an
 * older one and would roll; `waveOf` places tenant `i` (0-based) in its wave (a canary, then the rest).
 */
export function plannedFleet(size: number, waveOf: (i: number) => number = (i) => (i === 0 ? 1 : 2)): RunRecord {
  const older = '6e14d2c'.padEnd(40, '0')
  const tenants = Array.from({ length: size }, (_, i) => {
    const name = `tenant-${String(i + 1).padStart(5, '0')}`
    const wave = waveOf(i)
    return i % 3 === 2 ? { ...tenant(name, 'converged'), wave } : { ...tenant(name, 'stale'), actual: older, before: older, wave }
  })
  const rolling = tenants.filter((t) => t.state === 'stale').length
  return {
    ...recordOf(`dry run: ${rolling} of ${size} tenant(s) to roll to staging-7f25373 (7f25373); nothing written`, tenants, 'planned'),
    tenants,
    dry_run: true
  }
}
