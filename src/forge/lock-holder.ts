import type { LockHolder, LockRelease, LockRun, LockState } from './types.js'

/** How many runs a lock record names besides its holder: enough to outlast rollouts still landing. */
export const MAX_EARLIER_RUNS = 5

/**
 * How a lock state is written into the forge (a commit message on GitHub, a tag message on Gitea): a
 * title line, then JSON `{run_url, sha, expires_at, nonce, earlier}` that a person reading the ref can
 * follow. A release is `{released: true, run_url, sha, earlier}`: the run that released it, without a
 * nonce or a lease. `earlier` lists `{run_url, sha}` and is left out when empty.
 */
export function encodeLock(environment: string, next: LockHolder | LockRelease): string {
  const [first, ...rest] = isRelease(next) ? next.released : [next, ...(next.earlier ?? [])]
  const earlier = rest.length ? { earlier: rest.map((run) => ({ run_url: run.runUrl, sha: run.sha })) } : {}
  const body = isRelease(next)
    ? { released: true, run_url: first.runUrl, sha: first.sha, ...earlier }
    : { run_url: next.runUrl, sha: next.sha, expires_at: new Date(next.expiresAt).toISOString(), nonce: next.nonce, ...earlier }
  return `fleet-forward lock ${environment}\n\n${JSON.stringify(body)}\n`
}

export function isRelease(next: LockHolder | LockRelease): next is LockRelease {
  return 'released' in next
}

/** The commit a lock state's record is written on: the holder's, or the releasing run's. */
export function recordSha(next: LockHolder | LockRelease): string {
  return isRelease(next) ? next.released[0].sha : next.sha
}

/** The state `swapLock` reports once the forge confirmed writing `next` as `version`. */
export function stateOf(version: string, next: LockHolder | LockRelease): LockState {
  return isRelease(next) ? { version, holder: null, released: next.released } : { version, holder: next }
}

/** The release of `holder`'s lock: it names the holder's run first, then the runs the holder had learned of. */
export function releaseOf(holder: LockHolder): LockRelease {
  return { released: [{ runUrl: holder.runUrl, sha: holder.sha }, ...earlierRuns(holder, holder.earlier ?? [])] }
}

/**
 * The runs to name after `first`: `runs` one per commit (the first of each), none on `first`'s commit, at most
 * MAX_EARLIER_RUNS, as plain `{runUrl, sha}`.
 */
export function earlierRuns(first: LockRun, runs: readonly LockRun[]): LockRun[] {
  const seen = new Set([first.sha.toLowerCase()])
  const kept: LockRun[] = []
  for (const run of runs) {
    const sha = run.sha.toLowerCase()
    if (seen.has(sha) || kept.length >= MAX_EARLIER_RUNS) continue
    seen.add(sha)
    kept.push({ runUrl: run.runUrl, sha: run.sha })
  }
  return kept
}

/**
 * The state a message records: a holder, or a release (naming the runs it names; records written before
 * releases named runs name none). A message that cannot be read names a holder whose lease has ended, so
 * the lock is taken over (by compare-and-swap) rather than wedged forever.
 */
export function decodeLock(message: unknown): Pick<LockState, 'holder' | 'released'> {
  const text = typeof message === 'string' ? message : ''
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  let parsed: Record<string, unknown> = {}
  try {
    if (start >= 0 && end > start) parsed = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>
  } catch {
    parsed = {}
  }
  const earlier = (Array.isArray(parsed.earlier) ? parsed.earlier : []).map(runOf).filter((run): run is LockRun => run !== null)
  if (parsed.released === true) {
    const named = runOf(parsed)
    return named ? { holder: null, released: [named, ...earlierRuns(named, earlier)] } : { holder: null }
  }
  const expiresAt = typeof parsed.expires_at === 'string' ? Date.parse(parsed.expires_at) : NaN
  const holder: LockHolder = {
    runUrl: typeof parsed.run_url === 'string' ? parsed.run_url : '',
    sha: typeof parsed.sha === 'string' ? parsed.sha : '',
    expiresAt: Number.isFinite(expiresAt) ? expiresAt : 0,
    nonce: typeof parsed.nonce === 'string' ? parsed.nonce : ''
  }
  const kept = earlierRuns(holder, earlier)
  return { holder: kept.length ? { ...holder, earlier: kept } : holder }
}

/** `{run_url, sha}` read from the forge: a commit SHA, and a URL kept to MAX_URL characters; anything else names no run. */
function runOf(value: unknown): LockRun | null {
  const fields = (value ?? {}) as { run_url?: unknown; sha?: unknown }
  if (typeof fields.sha !== 'string' || !COMMIT_SHA.test(fields.sha)) return null
  return { runUrl: typeof fields.run_url === 'string' ? fields.run_url.slice(0, MAX_URL) : '', sha: fields.sha }
}

const COMMIT_SHA = /^[0-9a-f]{7,64}$/i
const MAX_URL = 2_000
