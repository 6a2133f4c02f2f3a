import type { TenantReport, TenantState } from '../../src/core/types.js'
import { buildRecord, initialFacts, type RunRecord } from '../../src/stages/record.js'

/** A run record as the pipeline cuts it, for tests of what is rendered from one. */
export function recordOf(message: string, tenants: readonly TenantReport[], result: RunRecord['result'] = 'stale'): RunRecord {
  return buildRecord(
    { environment: 'production', repository: 'acme/fleet', forge: 'github', runUrl: 'https://github.com/acme/fleet/actions/runs/7', sha: '7f25373'.padEnd(40, '0'), targetTag: 'staging-7f25373', dryRun: false, actor: 'octocat' },
    { ...initialFacts(0, [...tenants], '7f25373'.padEnd(40, '0')), headSha: '7f25373'.padEnd(40, '0'), rounds: 3 },
    { requests: 12, notModified: 4 },
    { result, message, errorClass: null },
    60_000
  )
}

export function tenant(name: string, state: TenantState): TenantReport {
  const settled = state === 'converged' || state === 'ahead'
  return { name, state, actual: settled ? '7f25373'.padEnd(40, '0') : null, attempts: 3, seconds_to_converge: settled ? 12 : null, error_class: state === 'unreachable' ? 'refused' : null }
}
