import type { LockHolder } from './types.js'

/**
 * How a lock holder is written into the forge (a commit message on GitHub, a tag message on Gitea):
 * a title line, then JSON `{run_url, sha, expires_at, nonce}` that a person reading the ref can follow.
 * A release is `{released: true}`.
 */
export function encodeHolder(environment: string, holder: LockHolder | null): string {
  const body = holder
    ? { run_url: holder.runUrl, sha: holder.sha, expires_at: new Date(holder.expiresAt).toISOString(), nonce: holder.nonce }
    : { released: true }
  return `fleet-forward lock ${environment}\n\n${JSON.stringify(body)}\n`
}

/**
 * The holder a message names; null for a release. A message that cannot be read names a holder whose
 * lease has ended, so the lock is taken over (by compare-and-swap) rather than wedged forever.
 */
export function decodeHolder(message: unknown): LockHolder | null {
  const text = typeof message === 'string' ? message : ''
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  let parsed: Record<string, unknown> = {}
  try {
    if (start >= 0 && end > start) parsed = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>
  } catch {
    parsed = {}
  }
  if (parsed.released === true) return null
  const expiresAt = typeof parsed.expires_at === 'string' ? Date.parse(parsed.expires_at) : NaN
  return {
    runUrl: typeof parsed.run_url === 'string' ? parsed.run_url : '',
    sha: typeof parsed.sha === 'string' ? parsed.sha : '',
    expiresAt: Number.isFinite(expiresAt) ? expiresAt : 0,
    nonce: typeof parsed.nonce === 'string' ? parsed.nonce : ''
  }
}
