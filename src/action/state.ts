import * as core from '@actions/core'

/**
 * What the post step needs from the main step. GITHUB_STATE is appended at once, so a main step that
 * is killed after `markStarted` still leaves the post step enough to write the run's record.
 */
const STARTED = 'started-at'
const PUBLISHED = 'record-published'
const LOCK = 'held-lock'
const DEPLOYMENT = 'open-deployment'

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

/** The lock the main step holds (environment and nonce), or '' once it let go: the post step releases what is left. */
export function saveHeldLock(lock: { readonly environment: string; readonly nonce: string } | null): void {
  core.saveState(LOCK, lock ? JSON.stringify({ environment: lock.environment, nonce: lock.nonce }) : '')
}

export function heldLock(): { environment: string; nonce: string } | null {
  try {
    const saved = JSON.parse(core.getState(LOCK) || 'null') as { environment?: unknown; nonce?: unknown } | null
    if (saved && typeof saved.environment === 'string' && typeof saved.nonce === 'string' && saved.nonce) {
      return { environment: saved.environment, nonce: saved.nonce }
    }
  } catch {
    // no lock saved
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
