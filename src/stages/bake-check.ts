import type { Clock } from '../util/clock.js'
import { describeExit, runWatchedCommand, type WatchedCommandDeps } from '../util/watched-command.js'

/**
 * docs/contract.md, Waves: the bake. A converged wave soaks for `bake` seconds while the run keeps
 * proving it may act; with `bake-check`, the command runs at the start and every settle-interval, and a
 * non-zero exit halts the run before the next wave or the promotion.
 */
export interface BakeCheckRequest {
  readonly command: string
  readonly tag: string
  readonly sha: string
  readonly environment: string
  readonly repository: string
  /** The wave being baked (1 first). */
  readonly wave: number
}

/** Why the bake failed, in fleet-forward's own words (the command's output is in the log). */
export type BakeCheckVerdict = { readonly passed: true } | { readonly passed: false; readonly reason: string }

/** The check was stopped because the run may no longer act: the caller reports why. */
export class BakeCheckStopped extends Error {
  constructor() {
    super('bake-check stopped: this run no longer owns the branch or the lock')
    this.name = 'BakeCheckStopped'
  }
}

/**
 * Runs the check once, through the one command runner (src/util/watched-command.ts): values in FLEET_*
 * variables, output scrubbed line by line, the process group stopped when the run may no longer act,
 * is cancelled, or the check outlives `deadlineMs`.
 */
export async function runBakeCheck(req: BakeCheckRequest, deadlineMs: number, deps: WatchedCommandDeps): Promise<BakeCheckVerdict> {
  const env = {
    FLEET_TAG: req.tag,
    FLEET_SHA: req.sha,
    FLEET_ENVIRONMENT: req.environment,
    FLEET_REPOSITORY: req.repository,
    FLEET_WAVE: String(req.wave)
  }
  const { code, stopped } = await runWatchedCommand({ command: req.command, label: 'bake-check', env, deadlineMs }, deps)
  if (stopped === 'lost-right') throw new BakeCheckStopped()
  if (deps.signal?.aborted) throw deps.signal.reason
  if (stopped === 'deadline') return { passed: false, reason: `bake-check did not finish within ${Math.ceil(deadlineMs / 1000)}s and was stopped` }
  return code === 0 ? { passed: true } : { passed: false, reason: `bake-check exited with ${describeExit(code)}` }
}

export interface BakeOptions<T> {
  readonly seconds: number
  readonly intervalMs: number
  readonly clock: Clock
  readonly signal: AbortSignal
  /** Proof the run may still act, between checks: an outcome ends the bake with it. */
  readonly mayAct: () => Promise<T | null>
  /** One run of the check with at most `deadlineMs`; absent: the bake is a timer. */
  readonly check?: (deadlineMs: number) => Promise<BakeCheckVerdict>
}

export type BakeEnd<T> = { readonly kind: 'baked' } | { readonly kind: 'stopped'; readonly outcome: T } | { readonly kind: 'failed'; readonly reason: string }

/**
 * The soak: the check at once, then every interval until the bake ends (the last one at its end), with
 * the proof that the run may act between them. A check may run until the bake ends, or one interval when
 * that is later. Cancellation rejects with the signal's reason.
 */
export async function bakeWave<T>(options: BakeOptions<T>): Promise<BakeEnd<T>> {
  const { clock, signal } = options
  const until = clock.now() + options.seconds * 1000
  for (;;) {
    if (options.check) {
      const verdict = await options.check(Math.max(until - clock.now(), options.intervalMs))
      if (!verdict.passed) return { kind: 'failed', reason: verdict.reason }
    }
    if (clock.now() >= until) return { kind: 'baked' }
    await clock.sleep(Math.min(options.intervalMs, until - clock.now()), signal)
    const refused = await options.mayAct()
    if (refused) return { kind: 'stopped', outcome: refused }
  }
}
