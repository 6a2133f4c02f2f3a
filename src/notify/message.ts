import { GREEN_RESULTS, type Result } from '../types.js'
import { linksOf } from '../report/markdown.js'
import type { AuditRecord, RunRecord } from '../stages/record.js'
import { groupBy } from '../util/group-by.js'
import { neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'

/**
 * What a notification says, cut from the run's record alone (docs/contract.md, Notifications): the
 * verdict, the tenants counted by state and error class, up to 20 of those that need attention, and
 * links built only from the record's own facts. Every string passes the one boundary (neutralize), and
 * each is bounded, so a message stays far under 40 KB at any fleet size.
 */
export interface RunNotification {
  readonly title: string
  readonly result: Result
  readonly green: boolean
  readonly environment: string
  readonly repository: string
  readonly commit: string | null
  readonly message: string
  /** `stale`, `converged`, … and `unreachable:<error class>`, each with its count. */
  readonly counts: Readonly<Record<string, number>>
  readonly attention: readonly { readonly name: string; readonly state: string; readonly detail: string }[]
  readonly attention_total: number
  /** The deferred run's next window, the freeze override or the rollback, in one line; null when none applies. */
  readonly audit: string | null
  readonly links: readonly { readonly label: string; readonly url: string }[]
}

export const MAX_ATTENTION_NAMES = 20
const MAX_MESSAGE = 1000
const MAX_NAME = 100

export function notificationOf(record: RunRecord): RunNotification {
  const links = linksOf(record)
  const commit = record.expected_sha ?? (record.sha || null)
  const needy = record.tenants.filter((t) => t.state === 'stale' || t.state === 'unreachable')
  const counts = groupBy(record.tenants, (t) => (t.state === 'unreachable' && t.error_class ? `unreachable:${t.error_class}` : t.state))
  const named: [string, string | null][] = [
    ['run', links.run],
    ['commit', links.commit(commit)],
    ['deployments', links.deployments],
    ['environment', links.environment]
  ]
  return {
    title: `fleet-forward ${record.environment}: ${record.result}`,
    result: record.result,
    green: GREEN_RESULTS.has(record.result),
    environment: record.environment,
    repository: record.repository,
    commit: commit && shortSha(commit),
    message: neutralize(record.message, MAX_MESSAGE),
    counts: Object.fromEntries([...counts].map(([key, tenants]) => [key, tenants.length])),
    attention: needy.slice(0, MAX_ATTENTION_NAMES).map((t) => ({
      name: neutralize(t.name, MAX_NAME),
      state: t.state,
      detail: t.state === 'unreachable' ? (t.error_class ?? 'unreachable') : `actual=${t.actual ? shortSha(t.actual) : 'none'}`
    })),
    attention_total: needy.length,
    audit: auditLine(record),
    links: named.filter((entry): entry is [string, string] => entry[1] !== null).map(([label, url]) => ({ label, url }))
  }
}

function auditLine(record: RunRecord): string | null {
  const by = (audit: AuditRecord): string => `${audit.actor ? neutralize(audit.actor, MAX_NAME) : 'an unknown actor'}: ${neutralize(audit.reason, 300)}`
  if (record.override) return `freeze overridden by ${by(record.override)}`
  if (record.rollback) return `rollback by ${by(record.rollback)}`
  const next = record.window?.state === 'deferred' ? record.window.next_open : null
  return next ? `deferred: the next window opens ${next}${record.window?.next_open_zone ? ` (${record.window.next_open_zone})` : ''}` : null
}

/** Whether the run is worth a message: `red` asks for red results only; `always` for every run. */
export function wantsNotification(record: RunRecord, on: 'red' | 'always'): boolean {
  return on === 'always' || !GREEN_RESULTS.has(record.result)
}
