import { isCommitSha } from '../util/sha.js'
import { neutralize } from '../util/sanitize.js'

export const DEFAULT_SHA_FIELDS: readonly string[] = ['sha', 'git_sha', 'commit', 'revision']

export type CommitReading = { readonly sha: string; readonly problem: null } | { readonly sha: null; readonly problem: string }

/**
 * Reads the running commit from a buildinfo body: the first of `shaFields` present in the JSON object
 * decides (a later field is never consulted when an earlier one holds garbage). The problem text is
 * neutralized: it may quote the remote value.
 */
export function readCommit(body: string, shaFields: readonly string[]): CommitReading {
  let doc: unknown
  try {
    doc = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body)
  } catch {
    return { sha: null, problem: 'body is not JSON' }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { sha: null, problem: 'body is not a JSON object' }
  }
  const fields = doc as Record<string, unknown>
  for (const field of shaFields) {
    if (!Object.hasOwn(fields, field) || fields[field] === null) continue
    const value = fields[field]
    if (typeof value === 'string' && isCommitSha(value.trim())) return { sha: value.trim().toLowerCase(), problem: null }
    return { sha: null, problem: `field '${field}' is not a commit SHA: ${neutralize(JSON.stringify(value) ?? '', 40)}` }
  }
  return { sha: null, problem: `none of the fields ${shaFields.join(', ')} is present` }
}
