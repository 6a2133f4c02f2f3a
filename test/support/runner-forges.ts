import { FakeGitHub } from './fake-github.js'
import { FakeGitea } from './fake-gitea.js'
import type { FakeForgeServer } from './fake-forge.js'
import { BASE, NEWER, OLDER } from './memory-forge.js'

/**
 * Each forge as its runner presents it to the action, for runner-style tests that run once per forge:
 * act_runner sets GITEA_ACTIONS=true, an /api/v1 API URL and an empty GraphQL URL.
 */
export interface RunnerForge {
  readonly kind: 'github' | 'gitea'
  readonly token: string
  /** @param now the forge's clock, sent in its `Date` header (default: the real one) */
  start(token: string, now?: () => number): FakeForgeServer
  env(forge: FakeForgeServer): Record<string, string>
  /** Path of the branch-head read, for fault injection. */
  readonly headPath: RegExp
}

export const RUNNER_FORGES: readonly RunnerForge[] = [
  {
    kind: 'github',
    token: 'ghs_fake_token',
    start: (token, now) => new FakeGitHub({ token, now }),
    env: (forge) => ({ GITHUB_API_URL: forge.apiUrl, GITHUB_SERVER_URL: forge.url }),
    headPath: /\/git\/ref\/heads\/main$/
  },
  {
    kind: 'gitea',
    token: 'gitea_fake_token',
    start: (token, now) => new FakeGitea({ token, now }),
    env: (forge) => ({ GITEA_ACTIONS: 'true', GITHUB_API_URL: forge.apiUrl, GITHUB_SERVER_URL: forge.url, GITHUB_GRAPHQL_URL: '' }),
    headPath: /\/branches\/main$/
  }
]

/** The incident's history on a fake forge, started: BASE ← 7a72516 ← 7f25373, with main at 7f25373. */
export async function startIncidentForge<F extends FakeForgeServer>(forge: F): Promise<F> {
  forge.addCommit(BASE)
  forge.addCommit(OLDER, [BASE])
  forge.addCommit(NEWER, [OLDER])
  forge.setBranch('main', NEWER)
  await forge.start()
  return forge
}
