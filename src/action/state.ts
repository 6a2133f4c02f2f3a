import * as core from '@actions/core'
import type { Settings } from '../config/settings.js'

/**
 * What the post step needs from the main step. GITHUB_STATE is appended at once, so a main step that
 * is killed after `markStarted` still leaves the post step enough to write the run's record. The post
 * step reads its facts from here, never from inputs that name files (a later step may have removed them).
 */
const STARTED = 'started-at'
const PUBLISHED = 'record-published'
const LOCK = 'held-lock'
const DEPLOYMENT = 'open-deployment'
const RUN = 'run-context'
const COMMAND = 'command-pgid'

/** The run as the main step parsed it: what the post step needs to reach the forge and write a record. */
export interface SavedRun {
  readonly environment: string
  readonly environmentUrl: Settings['environmentUrl']
  readonly forge: Settings['forge']
  readonly apiUrl: string
  readonly serverUrl: string
  readonly repository: string
  readonly giteaActions: boolean
  readonly runUrl: string
  readonly sha: string
  readonly targetTag: string
  readonly historyFile: string | null
}

export function markStarted(now: number): void {
  core.saveState(STARTED, String(now))
}

export function markPublished(): void {
  core.saveState(PUBLISHED, 'true')
}

export function startedAt(): number | null {
  const value = Number(core.getState(STARTED))
  return Number.isFinite(value) && value > 0 ? value : null
}

export function wasPublished(): boolean {
  return core.getState(PUBLISHED) === 'true'
}

/** Saved once the inputs are valid, before anything is contacted. No secret is saved: the post step reads the token input. */
export function saveRun(settings: Settings): void {
  const { run } = settings
  const saved: SavedRun = {
    environment: settings.environment,
    environmentUrl: settings.environmentUrl,
    forge: settings.forge,
    apiUrl: run.apiUrl,
    serverUrl: run.serverUrl,
    repository: run.repository,
    giteaActions: run.giteaActions,
    runUrl: run.runUrl,
    sha: settings.sha,
    targetTag: settings.targetTag,
    historyFile: settings.historyFile
  }
  core.saveState(RUN, JSON.stringify(saved))
}

export function savedRun(): SavedRun | null {
  const saved = parseState<Partial<SavedRun>>(RUN)
  return saved && typeof saved.environment === 'string' && typeof saved.repository === 'string' ? (saved as SavedRun) : null
}

/**
 * The lock the main step may hold (environment and nonce), saved before its claim is sent, or '' once
 * the lock no longer names it: the post step releases what is left.
 */
export function saveHeldLock(lock: { readonly environment: string; readonly nonce: string } | null): void {
  core.saveState(LOCK, lock ? JSON.stringify({ environment: lock.environment, nonce: lock.nonce }) : '')
}

export function heldLock(): { environment: string; nonce: string } | null {
  const saved = parseState<{ environment?: unknown; nonce?: unknown }>(LOCK)
  if (saved && typeof saved.environment === 'string' && typeof saved.nonce === 'string' && saved.nonce) {
    return { environment: saved.environment, nonce: saved.nonce }
  }
  return null
}

/** The run's deployment while it is open (its id), or '' once finished: the post step finishes one that was left open. */
export function saveOpenDeployment(id: number | null): void {
  core.saveState(DEPLOYMENT, id === null ? '' : String(id))
}

export function openDeployment(): number | null {
  const id = Number(core.getState(DEPLOYMENT) || NaN)
  return Number.isSafeInteger(id) && id > 0 ? id : null
}

/** The process group of a redeploy-command while it runs, or '' once it ended: the post step stops a leftover one. */
export function saveCommandGroup(pgid: number | null): void {
  core.saveState(COMMAND, pgid === null ? '' : String(pgid))
}

export function commandGroup(): number | null {
  const value = Number(core.getState(COMMAND) || NaN)
  return Number.isSafeInteger(value) && value > 1 ? value : null
}

function parseState<T>(name: string): T | null {
  try {
    return JSON.parse(core.getState(name) || 'null') as T | null
  } catch {
    return null
  }
}
