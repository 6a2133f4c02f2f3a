import { randomUUID } from 'node:crypto'
import type { Logger } from '../types.js'
import { earlierRuns, releaseOf } from '../forge/lock-holder.js'
import type { ForgeLocks, LockHolder, LockRun, LockState } from '../forge/types.js'
import type { Clock } from '../util/clock.js'
import { classifyError, describeError, FleetError, isFatal } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'

/**
 * The cross-run lock of docs/contract.md, Lock: runs for one repository and environment never perform
 * side effects at the same time. The lock is a compare-and-swap register kept in the forge (ForgeLocks;
 * GitHub: a ref, Gitea: generation tags), holding its holder's run URL, commit, lease end and nonce.
 *
 * - Time: leases are written and judged on the forge's clock (ForgeLocks.forgeNow, learned from its `Date`
 *   header), never on a runner's own, so a runner whose clock runs ahead cannot take over a live holder.
 * - Acquire: read; when free (absent, released, or its lease ended more than SKEW_GRACE ago) swap from
 *   the exact state observed to our holder. Two runs that observed the same state cannot both win.
 * - Ambiguity: a swap whose answer was lost (timeout, 5xx) or refused is never trusted either way; the
 *   next read decides, by nonce: the lock is ours exactly when it names this attempt's nonce. The nonce
 *   is handed to `onClaim` before the first claim is sent, so a post step can release a claim that
 *   landed after the main step was killed.
 * - Fatal failures end the attempt at once, since waiting cannot fix them: a token the forge refuses
 *   (401, `auth`) or that may not write the lock (403, `permission`), a proxy that fails the request
 *   (`proxy`), a repository the token cannot see (`not_found`).
 * - Waiting: the holder is logged once, again when it changes, then every LOG_EVERY; ownership is
 *   re-checked every poll, so a run a newer commit superseded leaves at once; the wait ends at
 *   `lock-timeout` as `blocked`, naming the holder.
 * - Lease: set to cover the whole run (settle budget plus an allowance for redeploy, promote and their
 *   retries). Before a side effect and between verify rounds the run proves it still holds the lock
 *   (HeldLock.ensureHeld): while more than half of the lease remains on the forge's clock nobody may take
 *   it over, so the proof costs nothing; below half it is renewed by compare-and-swap. A holder that died
 *   is taken over once its lease has ended, by compare-and-swap from the dead holder's state.
 * - Earlier runs: the holder this run waited on or took over from, and the runs a released lock names (a
 *   release keeps naming the run that released it and the runs that one had learned of), are written into
 *   this run's own holder record (LockHolder.earlier, one per commit, at most MAX_EARLIER_RUNS) and handed
 *   to the plan (HeldLock.previous): a run killed after sending its rollouts is released by its post step
 *   while they still land, and a chain of runs that rolled nothing must not forget it.
 * - Release: compare-and-swap from our state to a release naming this run, on every exit path. A release the forge
 *   refused or did not answer reports false, so the saved nonce stays for the post step, which retries
 *   it (releaseByNonce); only when that fails too is the lock left to its lease.
 */
export interface LockRequest {
  readonly environment: string
  readonly runUrl: string
  readonly sha: string
  readonly leaseSeconds: number
  readonly timeoutSeconds: number
  /** Seconds between reads while waiting. */
  readonly pollSeconds?: number
}

export interface LockDeps {
  readonly forge: ForgeLocks
  readonly clock: Clock
  readonly log: Logger
  readonly signal?: AbortSignal
  /** Ownership re-check while waiting (OwnershipGuard.stillOwner). */
  readonly stillOwner: () => Promise<boolean>
  /** Nonce source; injected by simulations for determinism. */
  readonly nonce?: () => string
  /**
   * Told this attempt's nonce before its first claim is sent, and null when the attempt ended without
   * the lock and no claim of ours can be in force: what a post step needs to release a killed run's lock.
   */
  readonly onClaim?: (nonce: string | null) => void
}

export type LockOutcome =
  { readonly status: 'held'; readonly lock: HeldLock } | { readonly status: 'superseded' } | { readonly status: 'blocked'; readonly message: string }

/**
 * Two runners' views of the forge's clock differ by up to a round trip and the `Date` header's second:
 * a lease is taken over only this long after its end.
 */
export const SKEW_GRACE_MS = 30_000
const DEFAULT_POLL_SECONDS = 10
const LOG_EVERY_MS = 60_000
/** A renewal that cannot be confirmed still counts when the known lease has this much left. */
const RENEW_SPARE_MS = 120_000
/** What the lease adds to the settle budget: redeploy and promote with their retries. */
export const LEASE_ALLOWANCE_SECONDS = 300

export function leaseSecondsFor(settleBudgetSeconds: number): number {
  return settleBudgetSeconds + LEASE_ALLOWANCE_SECONDS
}

export async function acquireLock(req: LockRequest, deps: LockDeps): Promise<LockOutcome> {
  const { forge, clock, log } = deps
  // One lock per environment, named after it (each forge adapter maps it to a ref or a tag).
  const name = req.environment
  // One nonce for every claim of this attempt: the lock is ours exactly when it names it.
  const nonce = (deps.nonce ?? randomUUID)()
  const deadline = clock.now() + req.timeoutSeconds * 1000
  const pollMs = (req.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000
  let lastHolderLogged: string | null = null
  let lastLoggedAt = -Infinity
  let lastSeen: LockHolder | null = null
  /** The run the released lock named when this run claimed it. */
  let released: LockRun | null = null
  let readProblemLogged = false
  let lostClaims = 0
  let claimed = false
  /** A claim was sent and no read since has shown it did not land. */
  let claimPending = false

  const without = (outcome: LockOutcome): LockOutcome => {
    // Nothing of ours can be in the lock: the post step has nothing to release.
    if (claimed && !claimPending) deps.onClaim?.(null)
    return outcome
  }

  for (;;) {
    deps.signal?.throwIfAborted()
    let state: LockState | null
    try {
      state = await forge.readLock(name)
    } catch (error) {
      if (isFatal(error)) throw lockFailure(name, error)
      if (!readProblemLogged) {
        log.warning(`could not read the lock '${name}' (${classifyError(error)}: ${neutralize(describeError(error), 200)}); retrying until lock-timeout`)
        readProblemLogged = true
      }
      if (clock.now() >= deadline) return without(blocked(`lock '${name}' could not be read within lock-timeout (${req.timeoutSeconds}s); nothing changed`))
      await clock.sleep(Math.min(pollMs, Math.max(0, deadline - clock.now())), deps.signal)
      continue
    }
    if (state?.holder?.nonce === nonce) return held(state)
    claimPending = false

    if (isFree(state, forge.forgeNow())) {
      if (lostClaims > 0) {
        // The last claim failed and the lock is still free: back off before claiming again.
        if (clock.now() >= deadline)
          return without(blocked(`lock '${name}' could not be claimed within lock-timeout (${req.timeoutSeconds}s): the forge kept failing; nothing changed`))
        await clock.sleep(Math.min(pollMs, 1000 * 2 ** lostClaims, Math.max(0, deadline - clock.now())), deps.signal)
      }
      if (state?.holder) {
        log.warning(`lock '${name}': the lease of ${describeHolder(state.holder)} ended; taking it over`)
        lastSeen = state.holder
      }
      const seen = [
        ...(state?.holder ? [state.holder, ...(state.holder.earlier ?? [])] : (state?.released ?? [])),
        ...(lastSeen ? [lastSeen, ...(lastSeen.earlier ?? [])] : [])
      ]
      const earlier = earlierRuns(req, seen)
      const holder: LockHolder = {
        runUrl: req.runUrl,
        sha: req.sha,
        expiresAt: forge.forgeNow() + req.leaseSeconds * 1000,
        nonce,
        ...(earlier.length ? { earlier } : {})
      }
      released = state?.holder ? null : (state?.released?.[0] ?? null)
      if (!claimed) deps.onClaim?.(nonce)
      claimed = true
      claimPending = true
      try {
        const won = await forge.swapLock(name, state?.version ?? null, holder)
        if (won) return held(won)
        // Refused: a competitor that won shows up as the holder on the next read; a refusal that
        // leaves the lock free again (a forge that keeps refusing) backs off like a lost answer.
        claimPending = false
        lostClaims++
      } catch (error) {
        if (isFatal(error)) throw lockFailure(name, error)
        lostClaims++
        log.warning(`lock '${name}': our claim was not confirmed (${classifyError(error)}: ${neutralize(describeError(error), 200)}); re-reading who holds it`)
      }
      // Refused or unknown: the next read says who won.
      continue
    }

    const holder = state!.holder!
    lastSeen = holder
    lostClaims = 0
    const now = clock.now()
    if (holder.nonce !== lastHolderLogged || now - lastLoggedAt >= LOG_EVERY_MS) {
      log.info(`waiting for lock '${name}': held by ${describeHolder(holder)}`)
      lastHolderLogged = holder.nonce
      lastLoggedAt = now
    }
    if (now >= deadline) {
      return without(blocked(`lock '${name}' is still held after ${req.timeoutSeconds}s by ${describeHolder(holder)}; nothing changed`))
    }
    if (!(await deps.stillOwner())) return without({ status: 'superseded' })
    const untilTakeover = holder.expiresAt + SKEW_GRACE_MS - forge.forgeNow()
    await clock.sleep(Math.max(0, Math.min(pollMs, deadline - now, untilTakeover)), deps.signal)
  }

  function held(state: LockState): LockOutcome {
    const releasedBy = released && !(lastSeen && sameRun(lastSeen, released)) ? released : null
    log.info(
      `lock '${name}' acquired (lease until ${iso(state.holder!.expiresAt)})${lastSeen ? ` after ${describeHolder(lastSeen)}` : ''}${releasedBy ? `, released by ${describeRun(releasedBy)}` : ''}`
    )
    return { status: 'held', lock: new HeldLock(name, state, req.leaseSeconds, deps) }
  }
}

/** Renew the lease well before it can run out while a long redeploy command is still going (no lock: no heartbeat). */
export function heartbeatMs(lock: HeldLock | null): number | undefined {
  return lock ? Math.min(60_000, (lock.leaseSeconds * 1000) / 3) : undefined
}

/** A lock this run holds: prove it before a side effect, release it on the way out. */
export class HeldLock {
  /** Set once the lock is known not to be ours (released, or taken over after our lease ended). */
  private gone = false

  constructor(
    readonly name: string,
    private state: LockState,
    readonly leaseSeconds: number,
    private readonly deps: Pick<LockDeps, 'forge' | 'clock' | 'log'>
  ) {}

  get holder(): LockHolder {
    return this.state.holder!
  }

  /**
   * The runs that held the lock before this one, as it learned of them (LockHolder.earlier): their rollouts
   * may still be landing (src/stages/plan.ts, tenantsToRoll).
   */
  get previous(): readonly LockRun[] {
    return this.holder.earlier ?? []
  }

  /**
   * Proof that the lock is ours right now, as cheap as it can be: while more than half of the lease
   * remains on the forge's clock, nobody may take the lock over before it ends, so nothing is written;
   * below half, the lease is renewed by compare-and-swap (renew). False: do no side effect.
   */
  async ensureHeld(): Promise<boolean> {
    if (this.gone) return false
    const remaining = this.holder.expiresAt - this.deps.forge.forgeNow()
    if (remaining > (this.leaseSeconds * 1000) / 2) return true
    return this.renew()
  }

  /**
   * Extends the lease by compare-and-swap from our own state: true proves the lock is still ours right
   * now. False: another run took it over (our lease ended, e.g. the runner was frozen); do no side effect.
   * A fatal failure throws (class `auth`, `permission`, `proxy` or `not_found`).
   */
  async renew(): Promise<boolean> {
    const { forge, log } = this.deps
    const next: LockHolder = { ...this.holder, expiresAt: forge.forgeNow() + this.leaseSeconds * 1000 }
    let refused = false
    try {
      const won = await forge.swapLock(this.name, this.state.version, next)
      if (won) {
        this.state = won
        return true
      }
      refused = true
    } catch (error) {
      if (isFatal(error)) throw lockFailure(this.name, error)
      log.warning(`lock '${this.name}': our renewal was not confirmed (${classifyError(error)}); re-reading`)
    }
    let current: LockState | null
    try {
      current = await forge.readLock(this.name)
    } catch (error) {
      if (isFatal(error)) throw lockFailure(this.name, error)
      // Nobody may take the lock over before our lease (plus the skew grace) has ended, so a lease
      // with time to spare is still proof enough; a refused renewal is not.
      const spare = this.holder.expiresAt - forge.forgeNow()
      const ours = !refused && spare >= RENEW_SPARE_MS
      log.warning(
        `lock '${this.name}' could not be re-read (${classifyError(error)}); ${ours ? `our lease still runs until ${iso(this.holder.expiresAt)}, continuing` : 'not proven ours, so no side effect'}`
      )
      return ours
    }
    if (current?.holder?.nonce === this.holder.nonce) {
      this.state = current
      return true
    }
    log.warning(`lock '${this.name}' is no longer ours: ${current?.holder ? `held by ${describeHolder(current.holder)}` : 'released'}`)
    this.gone = true
    return false
  }

  /**
   * Releases the lock when it is still ours. Never throws. True: the lock no longer names us. False: the
   * forge refused the release or did not answer; the caller keeps the nonce for the post step to retry.
   */
  async release(): Promise<boolean> {
    if (this.gone) return true
    const { forge, log } = this.deps
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const done = await forge.swapLock(this.name, this.state.version, releaseOf(this.holder))
        if (done) {
          log.info(`lock '${this.name}' released`)
          this.gone = true
          return true
        }
        const current = await forge.readLock(this.name)
        if (current?.holder?.nonce !== this.holder.nonce) {
          this.gone = true
          return true
        }
        this.state = current
      } catch (error) {
        if (attempt === 2 || isFatal(error)) {
          log.warning(`could not release lock '${this.name}' (${classifyError(error)}: ${neutralize(describeError(error), 200)}); the post step tries again`)
          return false
        }
      }
    }
    log.warning(`lock '${this.name}': the forge refused our release twice; the post step tries again`)
    return false
  }
}

/** Post-step release attempts, and the pause before the second and third. */
const POST_RELEASE_ATTEMPTS = 3
const POST_RELEASE_BACKOFF_MS = 2_000

/**
 * The post step's release: frees the lock when it still names `nonce` (the main step was killed while
 * holding it, or its own release failed), retrying a release the forge refused or did not answer
 * (after a pause on `clock`, when given). Returns whether it released anything. Never throws.
 */
export async function releaseByNonce(forge: ForgeLocks, environment: string, nonce: string, log: Logger, clock?: Pick<Clock, 'sleep'>): Promise<boolean> {
  const name = environment
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await forge.readLock(name)
      if (current?.holder?.nonce !== nonce) return false
      if (await forge.swapLock(name, current.version, releaseOf(current.holder))) {
        log.info(`lock '${name}' released by the post step`)
        return true
      }
    } catch (error) {
      if (attempt >= POST_RELEASE_ATTEMPTS || isFatal(error)) {
        log.warning(
          `post step could not release lock '${name}' (${classifyError(error)}: ${neutralize(describeError(error), 200)}); it frees itself when its lease ends`
        )
        return false
      }
    }
    if (attempt >= POST_RELEASE_ATTEMPTS) {
      log.warning(`post step could not release lock '${name}': the forge kept refusing; it frees itself when its lease ends`)
      return false
    }
    await clock?.sleep(POST_RELEASE_BACKOFF_MS * attempt)
  }
}

/** A fatal failure on the lock (401, 403, 404, the proxy): no wait fixes it; the message says which lock and keeps the remedy. */
function lockFailure(name: string, error: FleetError): FleetError {
  return new FleetError(`lock '${name}': ${error.message}`, error.errorClass, error.subject)
}

function isFree(state: LockState | null, now: number): boolean {
  return !state?.holder || state.holder.expiresAt + SKEW_GRACE_MS <= now
}

function blocked(message: string): LockOutcome {
  return { status: 'blocked', message }
}

/** Holder fields come from the forge: neutralized before they reach a log. */
export function describeHolder(holder: LockHolder): string {
  return describeRun(holder, `, lease until ${iso(holder.expiresAt)}`)
}

function describeRun(run: LockRun, more = ''): string {
  return `${neutralize(run.runUrl, 300) || 'an unknown run'} (commit ${neutralize(shortSha(run.sha), 40)}${more})`
}

function sameRun(a: LockRun, b: LockRun): boolean {
  return a.runUrl === b.runUrl && a.sha === b.sha
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'unknown'
}

export interface RunLockSettings {
  readonly lock: boolean
  readonly environment: string
  readonly sha: string
  readonly settleBudgetSeconds: number
  readonly lockTimeoutSeconds: number
  readonly run: { readonly runUrl: string }
}

/** The pipeline's lock step: `lock: false` skips it with a warning; otherwise the lease covers the whole run. */
export async function acquireRunLock(settings: RunLockSettings, deps: LockDeps): Promise<LockOutcome | { readonly status: 'disabled' }> {
  if (!settings.lock) {
    deps.log.warning(`lock: false: runs for environment '${settings.environment}' may overlap and interleave their side effects`)
    return { status: 'disabled' }
  }
  return acquireLock(
    {
      environment: settings.environment,
      runUrl: settings.run.runUrl,
      sha: settings.sha,
      leaseSeconds: leaseSecondsFor(settings.settleBudgetSeconds),
      timeoutSeconds: settings.lockTimeoutSeconds
    },
    deps
  )
}
