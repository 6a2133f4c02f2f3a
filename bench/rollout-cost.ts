/**
 * What the safety proof costs the forge, by fleet size and redeploy kind: the real pipeline
 * (deployFleet, the GitHub or Gitea adapter from createForge, lock on) on the real clock against the
 * fake forge, a local fleet and a control plane that answers each call after `controlPlaneMs` and makes
 * the tenants it names report the new commit. Requests are counted on the fake forge by kind: reads,
 * conditional reads answered 304, and writes (lock, statuses, deployments; Gitea: lock tags created).
 */
import { parseSettings } from '../src/config/parse.js'
import { deployFleet } from '../src/core/deploy.js'
import type { Logger } from '../src/types.js'
import { createForge } from '../src/forge/detect.js'
import { systemClock } from '../src/util/clock.js'
import { startControlPlane } from '../test/support/control-plane.js'
import { startFakeFleet } from '../test/support/fake-fleet.js'
import type { FakeForgeServer } from '../test/support/fake-forge.js'
import { FakeGitea } from '../test/support/fake-gitea.js'
import { FakeGitHub } from '../test/support/fake-github.js'

const BASE = 'b4a5e00' + '0'.repeat(33)
const OLDER = '7a72516bb1b2c3d4e5f60718293a4b5c6d7e8f90'
const NEWER = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

export interface RolloutCostCase {
  readonly forge: 'github' | 'gitea'
  readonly tenants: number
  readonly redeploy: 'webhook' | 'per-tenant'
  readonly maxParallel: number
  readonly controlPlaneMs: number
}

export interface RolloutCostRow extends RolloutCostCase {
  readonly result: string
  readonly seconds: number
  readonly reads: number
  readonly notModified: number
  readonly writes: number
  /** Gitea: lock tags created (each fires a tag-create event). */
  readonly lockTags: number
  readonly controlPlaneCalls: number
}

const silent: Logger = { info: () => undefined, warning: () => undefined, error: () => undefined, group: (_t, body) => body() }

export async function measureRolloutCost(c: RolloutCostCase): Promise<RolloutCostRow> {
  const fake: FakeForgeServer = c.forge === 'github' ? new FakeGitHub() : new FakeGitea()
  fake.addCommit(BASE)
  fake.addCommit(OLDER, [BASE])
  fake.addCommit(NEWER, [OLDER])
  fake.setBranch('main', NEWER)
  const fleet = await startFakeFleet({ sha: OLDER })
  const plane = await startControlPlane(async (body) => {
    await new Promise((resolve) => setTimeout(resolve, c.controlPlaneMs))
    for (const name of body.tenants) fleet.set(name, { sha: body.sha })
  })
  const names = Array.from({ length: c.tenants }, (_, i) => `t${i}`)
  const apiUrl = await fake.start()
  try {
    const inputs: Record<string, string> = {
      token: fake.token,
      forge: c.forge,
      branch: 'main',
      sha: NEWER,
      tenants: JSON.stringify(fleet.tenants(names)),
      'redeploy-url': c.redeploy === 'per-tenant' ? `${plane.url}/roll/{tenant}` : `${plane.url}/roll`,
      'max-parallel': String(c.maxParallel),
      'settle-budget': '600',
      'settle-interval': '2'
    }
    const env = { GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}`, GITHUB_RUN_ID: '1', GITHUB_API_URL: apiUrl }
    const settings = parseSettings(
      (name) => inputs[name] ?? '',
      env,
      () => ''
    )
    const forge = createForge(
      c.forge,
      { apiUrl, serverUrl: '', repository: env.GITHUB_REPOSITORY, token: fake.token, giteaActions: c.forge === 'gitea' },
      systemClock
    )
    const started = performance.now()
    const record = await deployFleet(settings, { forge, clock: systemClock, log: silent, signal: new AbortController().signal })
    const seconds = (performance.now() - started) / 1000
    const reads = fake.requests.filter((r) => r.method === 'GET').length
    return {
      ...c,
      result: record.result,
      seconds,
      reads,
      notModified: forge.calls.notModified,
      writes: fake.requests.length - reads,
      lockTags: fake.requests.filter((r) => r.method === 'POST' && /\/tags$/.test(r.path)).length,
      controlPlaneCalls: plane.calls.length
    }
  } finally {
    await Promise.all([fake.close(), fleet.close(), plane.close()])
  }
}
