/** What both forge adapters need to name a repository and a ref in a request path. */

export interface RepositoryParams {
  readonly owner: string
  readonly repo: string
}

/** `owner/name` (checked when the forge is created) as the `{owner}` and `{repo}` of a route. */
export function repositoryParams(repository: string): RepositoryParams {
  const [owner = '', repo = ''] = repository.split('/')
  return { owner, repo }
}

/**
 * Encodes each segment of a branch, tag or ref name, keeping its slashes as path separators. Gitea's
 * routes take such names as a wildcard (`/branches/*`), so they go into a reserved expansion (`{+branch}`),
 * which keeps the escapes made here and the slashes as they are.
 */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/')
}
