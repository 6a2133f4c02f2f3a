/** Commit identifiers: short and full SHAs compare by prefix, case-insensitively, with at least 7 hex digits. */

const HEX = /^[0-9a-f]+$/i
export const MIN_SHA_LENGTH = 7

export function isCommitSha(value: string): boolean {
  return value.length >= MIN_SHA_LENGTH && value.length <= 64 && HEX.test(value)
}

/** True when both name the same commit: one is a prefix of the other and the shorter has at least 7 hex digits. */
export function sameCommit(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b || !isCommitSha(a) || !isCommitSha(b)) return false
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  return x.length <= y.length ? y.startsWith(x) : x.startsWith(y)
}

export function shortSha(sha: string): string {
  return sha.slice(0, MIN_SHA_LENGTH).toLowerCase()
}
