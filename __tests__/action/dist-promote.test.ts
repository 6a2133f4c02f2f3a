/**
 * The bundled action promoting through the real registry (Debian's docker-registry on 127.0.0.1),
 * as a runner runs it: forward, backward refused, the revision label as expected-sha, and the
 * incident with both runs executing at once while :latest is sampled.
 */
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { RUNNER_FORGES, startIncidentForge } from '../../test/support/runner-forges.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startRegistry, type RunningRegistry } from '../../test/support/registry.js'
import { pushImage, putManifest, readTag, type StoredManifest } from '../../test/support/registry-push.js'
import { runDist, type DistRun } from '../../test/support/run-dist.js'
import { BASE, NEWER, OLDER } from '../../test/support/memory-forge.js'

const REPO = 'acme/app'

let forge: FakeForgeServer
let fleet: FakeFleet
let controlPlane: ControlPlane
let registry: RunningRegistry
const images: Record<string, StoredManifest> = {}
/** Every image this suite pushed, by digest, with the commit it records: the oracle for what :latest points at. */
const revisions = new Map<string, string | null>()

async function push(tag: string, revision: string | null): Promise<StoredManifest> {
  const image = await pushImage(registry, { repository: REPO, tag, revision })
  revisions.set(image.digest, revision)
  return image
}

beforeAll(async () => {
  registry = await startRegistry()
})

afterAll(async () => {
  await registry.stop()
})

describe.each(RUNNER_FORGES)('dist/ on a $kind runner', (spec) => {
  beforeEach(async () => {
    forge = await startIncidentForge(spec.start(spec.token))
    fleet = await startFakeFleet({ sha: BASE })
    controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
    images.base = await push('latest', BASE)
    images.older = await push('staging-7a72516', OLDER)
    images.newer = await push('staging-7f25373', NEWER)
    await push('staging-latest', NEWER)
    await push('unlabelled', null)
  })

  afterEach(async () => {
    await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
  })

  function deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<DistRun> {
    return runDist({
      inputs: {
        token: spec.token,
        branch: 'main',
        tenants: ['hongming', 'ana', 'bo'].map((n) => `${n} ${fleet.url(n)}`).join('\n'),
        'redeploy-url': `${controlPlane.url}/roll`,
        image: `${registry.host}/${REPO}`,
        'settle-budget': '20',
        'settle-interval': '1',
        ...inputs
      },
      env: { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: '9', ...spec.env(forge), ...env }
    })
  }

  async function latestRevision(): Promise<string | null> {
    const latest = await readTag(registry, REPO, 'latest')
    if (!latest) return null
    if (!revisions.has(latest.digest)) throw new Error(`:latest points at ${latest.digest}, which no test pushed`)
    return revisions.get(latest.digest) ?? null
  }

  describe('promotes :latest through the registry', () => {
    it('moves :latest forward and records before and after', async () => {
      const run = await deploy({ sha: NEWER })
      expect(run.code).toBe(0)
      expect(run.outputs.result).toBe('deployed')
      expect((await readTag(registry, REPO, 'latest'))?.digest).toBe(images.newer.digest)
      const promotion = JSON.parse(run.outputs.report).promotion
      expect(promotion).toMatchObject({
        tag: 'latest',
        status: 'promoted',
        before: { digest: images.base.digest, revision: BASE },
        after: { digest: images.newer.digest, revision: NEWER }
      })
      expect(run.summary).toContain('**Promotion**')
    })

    it('the incident: while both runs execute, the superseded older run never moves :latest', async () => {
      const seen: (string | null)[] = []
      let running = true
      const sampler = (async () => {
        while (running) {
          // docker-registry's filesystem driver rewrites a tag's link in place: a read that lands during
          // the write can answer 500 UNKNOWN. Such a sample says nothing about :latest and is skipped.
          const sample = await latestRevision().catch((error: Error) => {
            if (/answered 500/.test(error.message)) return undefined
            throw error
          })
          if (sample !== undefined) seen.push(sample)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      })()
      const [newer, older] = await Promise.all([deploy({ sha: NEWER }), deploy({ sha: OLDER })])
      running = false
      await sampler
      seen.push(await latestRevision())
      expect(newer.outputs.result).toBe('deployed')
      expect(older.outputs.result).toBe('superseded')
      expect(older.code).toBe(0)
      expect(seen.length).toBeGreaterThan(3)
      expect(seen).not.toContain(OLDER)
      // :latest only ever moves forward: base, then the newer commit, never back.
      expect(seen.slice(seen.indexOf(NEWER))).toEqual(seen.slice(seen.indexOf(NEWER)).map(() => NEWER))
      expect(seen.at(-1)).toBe(NEWER)
    })

    it('refuses to move :latest backward (blocked, red, tag untouched) unless allow-rollback, which needs a reason and says who moved the fleet back, from what to what', async () => {
      await putManifest(registry, REPO, 'latest', images.newer)
      fleet.setDefaultSha(NEWER)
      forge.setBranch('main', OLDER)
      const refused = await deploy({ sha: OLDER })
      expect(refused.code).toBe(1)
      expect(refused.outputs.result).toBe('blocked')
      expect(await latestRevision()).toBe(NEWER)

      const unexplained = await deploy({ sha: OLDER, 'allow-rollback': 'true' })
      expect(unexplained.outputs.result).toBe('failed')
      expect(JSON.parse(unexplained.outputs.report).message).toBe(
        "input 'rollback-reason': is required with allow-rollback: true; say why (it is recorded with who ran it)"
      )

      const reason = 'INC-7: 7f25373 corrupts invoices'
      const rolledBack = await deploy({ sha: OLDER, 'allow-rollback': 'true', 'rollback-reason': reason }, { GITHUB_ACTOR: 'alice' })
      expect(rolledBack.outputs.result).toBe('deployed')
      expect(await latestRevision()).toBe(OLDER)
      expect(JSON.parse(rolledBack.outputs.report).rollback).toEqual({ actor: 'alice', reason, from: [NEWER], to: OLDER })
      expect(forge.statuses(OLDER).map((s) => s.description)).toEqual([`3/3 tenants report 7a72516; rollback by alice: ${reason}`])
      expect(rolledBack.summary).toContain(`**Rollback** by \`alice\`: \`${reason}\`. The fleet was moved back from \`7f25373\` to \`7a72516\`.`)
      // GitHub shows the rollback on the deployment too; Gitea has no deployments.
      const deployments = forge instanceof FakeGitHub ? forge.deployments.map((d) => [d.description, d.statuses.map((s) => s.description)]) : []
      expect(deployments).toEqual(
        spec.kind === 'github'
          ? [
              [
                `fleet-forward: staging-7a72516 (7a72516) to production; rollback by alice: ${reason}`,
                [`rolling staging-7a72516 to the fleet; rollback by alice: ${reason}`, `every tenant verified on 7a72516; rollback by alice: ${reason}`]
              ]
            ]
          : []
      )
    })

    it('reads expected-sha from the revision label of a tag not derived from the commit (workflow_dispatch target_tag)', async () => {
      const run = await deploy({ sha: NEWER, 'target-tag': 'staging-latest' })
      expect(run.outputs['expected-sha']).toBe(NEWER)
      expect(run.outputs.result).toBe('deployed')
    })

    it('stops before any side effect when that label is missing', async () => {
      const run = await deploy({ sha: NEWER, 'target-tag': 'unlabelled' })
      expect(run.code).toBe(1)
      expect(run.outputs.result).toBe('failed')
      expect(run.stdout).toContain("input 'expected-sha': cannot be derived")
      expect(controlPlane.calls).toHaveLength(0)
      expect(await latestRevision()).toBe(BASE)
    })
  })
})
