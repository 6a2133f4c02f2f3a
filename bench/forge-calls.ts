/**
 * Forge API calls per run: the real pipeline (deployFleet, the GitHub adapter from createForge, lock
 * included) against the fake GitHub API and a local fleet, on a virtual clock so six rounds take no
 * real time. The fleet pulls on its own (no redeploy hook) and reports the new commit from round `k`.
 * Requests are counted by the forge adapter itself (`forge.calls`) and by method and path on the fake.
 */
import { parseSettings } from '../src/config/parse.js'
import { deployFleet } from '../src/core/deploy.js'
import type { Logger } from '../src/types.js'
import { createForge } from '../src/forge/detect.js'
import { startFakeFleet } from '../test/support/fake-fleet.js'
import { FakeGitHub } from '../test/support/fake-github.js'
import { VirtualClock } from '../test/support/virtual-clock.js'

const BASE = 'b4a5e00' + '0'.repeat(33)
const OLDER = '7a72516bb1b2c3d4e5f60718293a4b5c6d7e8f90'
const NEWER = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const INTERVAL_S = 10

export interface ForgeCallRow {
  tenants: number
  convergedInRound: number
  result: string
  rounds: number
  requests: number
  notModified: number
  /** Requests by `METHOD path-shape`, for the cases that are not constant. */
  byEndpoint: Record<string, number>
}

const silent: Logger = { info: () => undefined, warning: () => undefined, error: () => undefined, group: (_t, body) => body() }

/** One run of the pipeline over `tenants` tenants whose fleet reports NEWER from verify round `round`. */
export async function countForgeCalls(tenants: number, round: number): Promise<ForgeCallRow> {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23))
  const github = new FakeGitHub({ now: () => clock.now() })
  github.addCommit(BASE)
  github.addCommit(OLDER, [BASE])
  github.addCommit(NEWER, [OLDER])
  github.setBranch('main', NEWER)
  const fleet = await startFakeFleet({ sha: OLDER, clock })
  // Verify round r starts at (r - 1) × interval after verify starts; the fleet turns half an interval before round `round`.
  fleet.setDefaultSha(OLDER)
  const turnAt = clock.now() + (round - 1.5) * INTERVAL_S * 1000
  const names = Array.from({ length: tenants }, (_, i) => `t${i}`)
  const schedule = round === 1 ? { sha: NEWER } : { schedule: [{ from: turnAt, sha: NEWER }] }
  for (const name of names) fleet.set(name, schedule)
  const apiUrl = await github.start()
  try {
    const inputs: Record<string, string> = {
      token: github.token,
      branch: 'main',
      sha: NEWER,
      tenants: JSON.stringify(fleet.tenants(names)),
      'settle-budget': '120',
      'settle-interval': String(INTERVAL_S)
    }
    const env = { GITHUB_REPOSITORY: `${github.owner}/${github.repo}`, GITHUB_RUN_ID: '1', GITHUB_API_URL: apiUrl }
    const settings = parseSettings(
      (name) => inputs[name] ?? '',
      env,
      () => ''
    )
    const forge = createForge('github', { apiUrl, serverUrl: '', repository: env.GITHUB_REPOSITORY, token: github.token, giteaActions: false }, clock)
    const record = await deployFleet(settings, { forge, clock, log: silent, signal: new AbortController().signal })
    const byEndpoint: Record<string, number> = {}
    for (const r of github.requests) {
      const shape = `${r.method} ${r.path
        .replace(/\?.*$/, '')
        .replace(/[0-9a-f]{40}/g, '{sha}')
        .replace(/^\/repos\/[^/]+\/[^/]+/, '')}`
      byEndpoint[shape] = (byEndpoint[shape] ?? 0) + 1
    }
    return {
      tenants,
      convergedInRound: round,
      result: record.result,
      rounds: (record as { rounds?: number }).rounds ?? 0,
      requests: forge.calls.requests,
      notModified: forge.calls.notModified,
      byEndpoint
    }
  } finally {
    await Promise.all([github.close(), fleet.close()])
  }
}
