import * as core from '@actions/core'

/**
 * What the post step needs from the main step. GITHUB_STATE is appended at once, so a main step that
 * is killed after `markStarted` still leaves the post step enough to write the run's record.
 */
const STARTED = 'started-at'
const PUBLISHED = 'record-published'

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
