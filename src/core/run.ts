import { randomUUID } from 'node:crypto'
import type { Dispatcher } from 'undici'
import type { Settings } from '../config/settings.js'
import type { Forge } from '../forge/types.js'
import type { RunDeployment } from '../stages/deployment.js'
import type { HeldLock } from '../stages/lock.js'
import { HealthBook } from '../fleet/health.js'
import { OwnershipGuard } from '../stages/ownership.js'
import { memoizeCompare, type RolloutPlan } from '../stages/plan.js'
import type { PromoteOutcome } from '../stages/promote.js'
import type { RunFacts } from '../stages/record.js'
import { writeDeployStatus } from '../stages/status.js'
import type { RoundListener } from '../stages/verify.js'
import { auditNote, rollbackOf } from '../stages/audit.js'
import type { Clock } from '../util/clock.js'
import { describeError, FleetError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { sameCommit, shortSha } from '../util/sha.js'
import type { Ancestry, Logger, Result, TenantReport } from '../types.js'

export interface DeployDeps {
  readonly forge: Forge
  readonly clock: Clock
  readonly log: Logger
  /** Aborted on cancellation (SIGINT/SIGTERM): stages stop promptly and the run records `aborted`. */
  readonly signal: AbortSignal
  /** HTTP dispatcher for tenants and the redeploy webhook (tests and simulations inject one). */
  readonly dispatcher?: Dispatcher
  /** Live progress, for the CLI's display. */
  readonly onRound?: RoundListener
  /**
   * Told the lock's nonce before the claim is sent (and null once the lock no longer names this run), so
   * the action's post step can release it if the run is killed or its own release fails.
   */
  readonly onLock?: (lock: { readonly environment: string; readonly nonce: string } | null) => void
  /** Told the id of the run's deployment once created (null once finished), so the action's post step can finish it if the run is killed. */
  readonly onDeployment?: (id: number | null) => void
  /** Told a running redeploy-command's or bake-check's process group (null once it ended), so the post step can stop it. */
  readonly onCommand?: (pgid: number | null) => void
  /** Lock nonce source (simulations inject a seeded one). */
  readonly lockNonce?: () => string
}

/** How a step ended the run; a step that lets the run go on returns null instead. */
export interface Outcome {
  result: Result
  message: string
  errorClass?: string | null
  /** The run could not prove it still held the lock: another run may own the record now, so none is written. */
  lockLost?: boolean
}

/** What the exit path needs to know: the lock to release, and whether side effects may have begun. */
export interface RunState {
  lock: HeldLock | null
  /** Past the gate and the lock: a failure from here on is recorded on the commit. */
  attempted: boolean
  /** The run's deployment on the forge (GitHub), from the start of the redeploy; finished with the run's result. */
  deployment: RunDeployment | null
}

/** How long one proof that the run may act stands for the side effects that follow it. */
const PROOF_REUSE_MS = 1_000

/** One run of the pipeline: the settings, the ownership guard, the lock and what is known so far, shared by its steps. */
export class PipelineRun {
  readonly guard: OwnershipGuard
  /** Ancestry answers are asked once per pair for the whole run. */
  readonly compare: (base: string, head: string) => Promise<Ancestry>
  readonly held: RunState = { lock: null, attempted: false, deployment: null }
  expectedSha = ''
  rollout: RolloutPlan = { proven: [], ifOwner: [], newer: [] }
  /** The tenants actually told to roll. */
  toRoll: readonly string[] = []
  plan = ''
  promotion: PromoteOutcome | null = null
  /** When the first wave was told to roll: `seconds_to_converge` counts from here in every wave. */
  rolloutStartedAt = 0
  /** Each tenant's latest report, from planning on. */
  readonly reports = new Map<string, TenantReport>()
  /** Each health-checked tenant's verdict so far: it carries over from wave to wave and into the bake's confirmation. */
  readonly health: HealthBook
  /** Outside Actions there is no run id: a fresh key per invocation, so a new deploy is never taken for a duplicate. */
  readonly runKey: string
  private proof: { readonly at: number; readonly answer: Promise<Outcome | null> } | null = null

  constructor(
    readonly settings: Settings,
    readonly deps: DeployDeps,
    readonly facts: RunFacts
  ) {
    this.guard = new OwnershipGuard(deps.forge, settings.branch, settings.sha, deps.log)
    this.compare = memoizeCompare((base, head) => deps.forge.compare(base, head))
    this.health = new HealthBook(settings.health)
    this.runKey = settings.run.runId ? `${settings.run.repository}#${settings.run.runId}.${settings.run.runAttempt}` : randomUUID()
  }

  /** Proven the owner of the branch by a read made while holding the lock (or with the lock switched off). */
  /**
   * Why this run may not roll tenants of unknown or unrelated commit, or null when it may: it proved, holding
   * the lock, that the branch is at its commit. Owning the branch rules out a newer commit only for a run that
   * deploys the branch head itself; one that deploys an earlier release (a target-tag of an older image) may
   * find the head's commit on any tenant.
   */
  get notOwner(): string | null {
    if (!sameCommit(this.expectedSha, this.settings.sha))
      return `this run deploys ${shortSha(this.expectedSha)}, not the branch head ${shortSha(this.settings.sha)}`
    return this.guard.proven && (this.held.lock !== null || !this.settings.lock) ? null : 'this run could not prove it owns the branch'
  }

  superseded(): Outcome {
    this.facts.headSha = this.guard.verdict?.head ?? this.facts.headSha
    return { result: 'superseded', message: this.guard.verdict?.message ?? 'superseded' }
  }

  lostLock(): Outcome {
    return {
      result: 'failed',
      message: `this run could not prove it still holds lock '${this.settings.environment}' (see the warning above); stopped before the next side effect`,
      errorClass: 'forge',
      lockLost: true
    }
  }

  /**
   * Proof, right before a side effect, that this run still owns the branch and holds the lock. Per-tenant
   * calls pass `shared`: concurrent callers, and callers within PROOF_REUSE_MS of the last proof, get the
   * same answer, so the forge sees about one proof a second whatever the size of the fleet. Every other
   * proof (a wave's start and end, a verdict) is fresh: there are only a few per wave.
   */
  mayAct(shared = false): Promise<Outcome | null> {
    const now = this.deps.clock.now()
    if (shared && this.proof && now - this.proof.at < PROOF_REUSE_MS) return this.proof.answer
    const answer = this.prove()
    this.proof = { at: now, answer }
    // A proof that threw proves nothing: the next caller asks again.
    answer.catch(() => {
      if (this.proof?.answer === answer) this.proof = null
    })
    return answer
  }

  private async prove(): Promise<Outcome | null> {
    if (!(await this.guard.stillOwner())) return this.superseded()
    if (this.held.lock && !(await this.held.lock.ensureHeld())) return this.lostLock()
    return null
  }

  /** Who overrode a freeze or moves the fleet back, and why, for every commit status the run writes. */
  get audit(): string | null {
    return auditNote({ override: this.facts.override, rollback: rollbackOf(this.settings) })
  }

  /** A red verdict: recorded as a failure on the commit, :latest left where it was. */
  async stale(message: string, errorClass: string | null = null): Promise<Outcome> {
    await writeDeployStatus(
      this.deps.forge,
      this.expectedSha,
      this.settings.environment,
      { verified: false, summary: message, audit: this.audit },
      this.settings.run.runUrl,
      this.deps.log
    )
    return { result: 'stale', message, errorClass }
  }
}

export function abortedOutcome(signal: AbortSignal): Outcome {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'cancelled')
  return { result: 'aborted', message: `cancelled: ${reason}; nothing was rolled back` }
}

export function failedOutcome(error: unknown): Outcome {
  if (error instanceof FleetError) return { result: 'failed', message: neutralize(error.message, 1000), errorClass: error.errorClass }
  return { result: 'failed', message: `internal error: ${neutralize(describeError(error), 1000)}`, errorClass: 'internal' }
}
