import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Result, TenantReport } from '../core/types.js'
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
}

/** 2: tenants carry `healthy` and `health_status`, and a tenant state `unhealthy`. */
export const SCHEMA_VERSION = 2

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
    redeployedAt: new Map()
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
    })
  }
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
