import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Result, TenantReport } from '../types.js'
import type { ForgeCallCounter } from '../forge/types.js'
import type { PromoteStatus } from './promote.js'
import { neutralize } from '../util/sanitize.js'
import type { WaveRecord } from './waves.js'

export interface TagState {
  readonly digest: string
  readonly revision: string | null
}

export interface PromotionRecord {
  readonly image: string
  readonly tag: string
  /** What the promotion did (PromoteStatus), or `not_attempted` when the run ended before it; the tag was then not read or touched. */
  readonly status: PromoteStatus | 'not_attempted'
  readonly before: TagState | null
  readonly after: TagState | null
}

/**
 * The one record of a run (docs/contract.md, Record). Field names are the history-file schema.
 * Its free text (the message, the run URL) passes the boundary when the record is cut, so the history
 * file, the `report` output, the job summary and the CLI's --json never carry a secret.
 */
export interface RunRecord {
  /** docs/record.schema.json describes this version of the record. */
  readonly schema_version: typeof SCHEMA_VERSION
  readonly ts: string
  readonly started_at: string
  readonly actor: string | null
  readonly environment: string
  readonly repository: string
  readonly forge: string
  readonly run_url: string
  readonly sha: string
  readonly head_sha: string | null
  readonly target_tag: string
  readonly expected_sha: string | null
  readonly result: Result
  readonly elapsed_seconds: number
  readonly message: string
  readonly error_class: string | null
  readonly dry_run: boolean
  readonly rounds: number
  readonly promotion: PromotionRecord | null
  /** The run's GitHub deployment, once created (README, "Deployments"); null on Gitea and for a run that rolled nothing. */
  readonly deployment: DeploymentRecord | null
  readonly forge_calls: { readonly requests: number; readonly not_modified: number }
  /** The rollout's waves in order (one for a single-wave run); empty when the run ended before them. */
  readonly waves: readonly WaveRecord[]
  readonly tenants: readonly TenantRecord[]
  /** The deploy-windows / deploy-freezes decision; null when none is configured or the run ended before it. */
  readonly window: WindowRecord | null
  /** Who overrode a closed window or a freeze (override-freeze) and why; null when no override took effect. */
  readonly override: AuditRecord | null
  /** With allow-rollback: who moved the fleet back and why, from which commits to which; null otherwise. */
  readonly rollback: RollbackRecord | null
}

/**
 * 2: a tenant state `unhealthy` and per tenant `healthy` and `health_status`; the result `deferred`, and
 * `window`, `override` and `rollback`.
 */
export const SCHEMA_VERSION = 2

export interface WindowRecord {
  /** `open`: inside a window (or no window, only freezes, none on); `deferred`: the run stopped there; `overridden`: it went on by override-freeze. */
  readonly state: 'open' | 'deferred' | 'overridden'
  /** Why it was closed; null when open. */
  readonly reason: 'frozen' | 'outside_windows' | null
  /** The deploy-freezes entry that was on, as written. */
  readonly freeze: string | null
  /** When the next window opens (UTC, ISO 8601), and the zone of the entry that opens it; null when open or none within four years. */
  readonly next_open: string | null
  readonly next_open_zone: string | null
}

export interface AuditRecord {
  /** Who ran it (GITHUB_ACTOR), or null when the runner does not say. */
  readonly actor: string | null
  /** The reason input, as given (neutralized). */
  readonly reason: string
}

export interface RollbackRecord extends AuditRecord {
  /** The commits the redeployed tenants reported before this run, most tenants first. */
  readonly from: readonly string[]
  /** The commit the fleet was moved to. */
  readonly to: string | null
}

export interface DeploymentRecord {
  readonly id: number
  /** Input `environment-url`, as the deployment carries it. */
  readonly environment_url: string | null
}

export type TenantRecord = TenantReport & {
  /** Its health check's verdict: true passed, false did not (yet); null when no health check ran on it. */
  readonly healthy: boolean | null
  /** The health check's last status (`http 503`, `deadline`); null when none ran. */
  readonly health_status: string | null
  readonly wave: number | null
  /** The commit the tenant reported when the run planned; null when it reported none or the run did not get there. */
  readonly before: string | null
  readonly redeployed: boolean
  readonly redeployed_at: string | null
}

/** What the pipeline learns as it goes; the record is cut from it exactly once, on the way out. */
export interface RunFacts {
  startedAt: number
  headSha: string | null
  expectedSha: string | null
  tenants: TenantReport[]
  rounds: number
  promotion: PromotionRecord | null
  deployment: DeploymentRecord | null
  waves: WaveRecord[]
  /** Each tenant's wave, once the waves are planned. */
  tenantWave: ReadonlyMap<string, number>
  /** Each tenant's commit as probed at planning. */
  before: ReadonlyMap<string, string | null>
  /** When each redeployed tenant's wave was told to roll (epoch ms). */
  redeployedAt: Map<string, number>
  window: WindowRecord | null
  override: AuditRecord | null
}

/** What a run knows before it has learned anything. */
export function initialFacts(startedAt: number, tenants: TenantReport[], expectedSha: string | null): RunFacts {
  return {
    startedAt,
    headSha: null,
    expectedSha,
    tenants,
    rounds: 0,
    promotion: null,
    deployment: null,
    waves: [],
    tenantWave: new Map(),
    before: new Map(),
    redeployedAt: new Map(),
    window: null,
    override: null
  }
}

export interface RecordIdentity {
  readonly environment: string
  readonly repository: string
  readonly forge: string
  readonly runUrl: string
  readonly sha: string
  readonly targetTag: string
  readonly dryRun: boolean
  readonly actor: string | null
  /** rollback-reason, when allow-rollback is on. */
  readonly rollbackReason?: string | null
}

export function buildRecord(
  identity: RecordIdentity,
  facts: RunFacts,
  calls: ForgeCallCounter,
  outcome: { result: Result; message: string; errorClass?: string | null },
  now: number
): RunRecord {
  return {
    schema_version: SCHEMA_VERSION,
    ts: new Date(now).toISOString(),
    started_at: new Date(facts.startedAt).toISOString(),
    actor: identity.actor === null ? null : neutralize(identity.actor, 100),
    environment: identity.environment,
    repository: identity.repository,
    forge: identity.forge,
    run_url: neutralize(identity.runUrl, Infinity),
    sha: identity.sha,
    head_sha: facts.headSha,
    target_tag: identity.targetTag,
    expected_sha: facts.expectedSha,
    result: outcome.result,
    elapsed_seconds: Math.round((now - facts.startedAt) / 100) / 10,
    message: neutralize(outcome.message, Infinity),
    error_class: outcome.errorClass ?? null,
    dry_run: identity.dryRun,
    rounds: facts.rounds,
    promotion: facts.promotion,
    deployment: facts.deployment && {
      id: facts.deployment.id,
      environment_url: facts.deployment.environment_url === null ? null : neutralize(facts.deployment.environment_url, Infinity)
    },
    forge_calls: { requests: calls.requests, not_modified: calls.notModified },
    waves: facts.waves.map((w) => ({ ...w })),
    tenants: facts.tenants.map((t) => {
      const redeployedAt = facts.redeployedAt.get(t.name)
      return {
        ...t,
        healthy: t.healthy ?? null,
        health_status: t.health_status ?? null,
        wave: facts.tenantWave.get(t.name) ?? null,
        before: facts.before.get(t.name) ?? null,
        redeployed: redeployedAt !== undefined,
        redeployed_at: redeployedAt === undefined ? null : new Date(redeployedAt).toISOString()
      }
    }),
    window: facts.window,
    override: facts.override && audit(facts.override.actor, facts.override.reason),
    rollback: identity.rollbackReason ? { ...audit(identity.actor, identity.rollbackReason), from: movedFrom(facts), to: facts.expectedSha } : null
  }
}

function audit(actor: string | null, reason: string): AuditRecord {
  return { actor: actor === null ? null : neutralize(actor, 100), reason: neutralize(reason, 500) }
}

/** The commits the tenants told to roll reported at planning, most tenants first. */
function movedFrom(facts: RunFacts): string[] {
  const counts = new Map<string, number>()
  for (const name of facts.redeployedAt.keys()) {
    const before = facts.before.get(name)
    if (before) counts.set(before, (counts.get(before) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([commit]) => commit)
}

/** Names of tenants that ended stale, unreachable or unhealthy. */
export function staleTenantNames(record: RunRecord): string[] {
  return record.tenants.filter((t) => t.state === 'stale' || t.state === 'unreachable' || t.state === 'unhealthy').map((t) => t.name)
}

/** One JSON line per run; the line is written with one append so concurrent writers never interleave within it. */
export function appendHistory(file: string, record: RunRecord): void {
  mkdirSync(dirname(file), { recursive: true })
  appendFileSync(file, `${JSON.stringify(record)}\n`)
}
