import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from '../types.js'
import type { Clock } from './clock.js'
import { neutralize } from './sanitize.js'

/**
 * The one runner of user shell commands (redeploy-command, bake-check): the command runs in its own
 * process group with its values in environment variables, never in its text; its output is scrubbed and
 * logged line by line; a heartbeat keeps proving the run may still act, and the moment that proof fails,
 * the run is cancelled or the command outlives its deadline, the whole group gets TERM, then KILL.
 */
export interface WatchedCommandDeps {
  readonly clock: Clock
  readonly log: Pick<Logger, 'info'>
  readonly signal?: AbortSignal
  /** Re-proves the run may still act, every `heartbeatMs` while the command runs; false stops it. */
  readonly mayProceed?: () => Promise<boolean>
  readonly heartbeatMs?: number
  /** Told the command's process group once it runs, and null once it ended (the post step stops a leftover one). */
  readonly onCommand?: (pgid: number | null) => void
  /** How long a stopped command's group has between TERM and KILL (default 5 s). */
  readonly killGraceMs?: number
}

export interface WatchedCommand {
  /** Shell command text. */
  readonly command: string
  /** Prefix of its log lines and name in messages: `redeploy-command`, `bake-check`. */
  readonly label: string
  /** Added to the runner's environment. */
  readonly env: Readonly<Record<string, string>>
  /** On the injected clock: the command is stopped when it has not exited by then. */
  readonly deadlineMs?: number
}

/** How the command ended: its exit code (or the signal that ended it), and why it was stopped, if it was. */
export interface CommandEnd {
  readonly code: number | string
  readonly stopped: 'lost-right' | 'deadline' | null
}

const DEFAULT_HEARTBEAT_MS = 60_000
const DEFAULT_KILL_GRACE_MS = 5_000
const GROUP_POLL_MS = 100

export async function runWatchedCommand(spec: WatchedCommand, deps: WatchedCommandDeps): Promise<CommandEnd> {
  const stop = new AbortController()
  const signal = deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal
  let stopped: CommandEnd['stopped'] = null
  const end = (why: NonNullable<CommandEnd['stopped']>): void => {
    stopped ??= why
    stop.abort()
  }
  const heartbeat = (async () => {
    if (!deps.mayProceed) return
    while (!stop.signal.aborted) {
      await deps.clock.sleep(deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, stop.signal).catch(() => undefined)
      if (stop.signal.aborted) return
      if (!(await deps.mayProceed())) end('lost-right')
    }
  })()
  const deadline =
    spec.deadlineMs === undefined
      ? Promise.resolve()
      : deps.clock.sleep(spec.deadlineMs, stop.signal).then(
          () => end('deadline'),
          () => undefined
        )
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      // Its own process group, so stopping it stops what the shell started too, not just the shell.
      const child = spawn('sh', ['-c', spec.command], { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      const pgid = child.pid
      if (pgid !== undefined) deps.onCommand?.(pgid)
      const kill = (): void => {
        if (pgid !== undefined) void stopProcessGroup(pgid, deps.killGraceMs ?? DEFAULT_KILL_GRACE_MS)
      }
      if (signal.aborted) kill()
      else signal.addEventListener('abort', kill, { once: true })
      // Whole lines only: a line that arrives in two chunks is still logged as one.
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          if (line) deps.log.info(`${spec.label}: ${neutralize(line)}`)
        })
      }
      child.on('error', reject)
      child.on('close', (exitCode, exitSignal) => {
        signal.removeEventListener('abort', kill)
        deps.onCommand?.(null)
        resolve(exitCode ?? exitSignal ?? 'unknown')
      })
    })
    return { code, stopped }
  } finally {
    stop.abort()
    await Promise.all([heartbeat, deadline])
  }
}

/** `code 3` or `signal SIGTERM`, for messages. */
export function describeExit(code: number | string): string {
  return typeof code === 'number' ? `code ${code}` : `signal ${code}`
}

/**
 * Stops a command's whole process group: TERM, then KILL to whatever is left after `graceMs`. Resolves
 * once the group is gone (or was never there). Real time: it waits on real processes.
 */
export async function stopProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return
  for (let waited = 0; waited < graceMs; waited += GROUP_POLL_MS) {
    await delay(GROUP_POLL_MS)
    if (!signalGroup(pgid, 0)) return
  }
  signalGroup(pgid, 'SIGKILL')
}

/** Sends a signal to every process of the group; false when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}
