import { FleetError } from '../util/errors.js'

/** Forge answers are checked before use: a wrong shape is `bad_payload`, naming the endpoint. */
export function payloadError(endpoint: string, problem: string): FleetError {
  return new FleetError(`${endpoint} answered ${problem}`, 'bad_payload', endpoint)
}

/** A full commit SHA (40 hex, or 64 for SHA-256 repositories), lower-cased. */
export function commitSha(value: unknown, endpoint: string): string {
  if (typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value)) return value.toLowerCase()
  throw payloadError(endpoint, 'without a commit SHA')
}

/** `GET /repos/{owner}/{repo}` → `default_branch`: the same shape on GitHub and Gitea. */
export function defaultBranchOf(repo: unknown, endpoint: string): string {
  const branch = (repo as { default_branch?: unknown } | null)?.default_branch
  if (typeof branch !== 'string' || !branch) throw payloadError(endpoint, 'without a default_branch')
  return branch
}
