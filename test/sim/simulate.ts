import { createHash } from 'node:crypto'
import { parseSettings } from '../../src/config/parse.js'
import type { Logger } from '../../src/types.js'
import type { Clock } from '../../src/util/clock.js'
import { deployFleet } from '../../src/core/deploy.js'
import { leaseSecondsFor, releaseByNonce } from '../../src/stages/lock.js'
import type { RunRecord } from '../../src/stages/record.js'
import { GREEN_RESULTS } from '../../src/types.js'
import { Random, SimClock } from './sim-clock.js'
import { SimFleet } from './sim-fleet.js'
import { forgeFromSettings } from '../../src/forge/detect.js'
import type { ForgeKind } from '../../src/forge/types.js'
import type { Settings } from '../../src/config/settings.js'
import { REPOSITORY, SimForge, type ForgeFaults, type ForgeTraffic, type RunForgeFaults } from './sim-forge.js'
import { sha256, SimDispatcher, type SimAnswer, type SimServer } from './sim-net.js'

/**
 * A seeded, deterministic simulation of overlapping deploy runs. Each seed derives a schedule: 1–5
 * commits pushed at random times to one branch, one run per push starting after a random queue delay
 * (so an older run may start after a newer one, as in the incident), sometimes a second run of the same
 * commit (a re-run: two owners that only the lock keeps apart), random settle budgets, and faults
 * that combine: forge/registry/tenant faults per request (timeouts, 5xx, 429, writes whose answer is
 * lost); per run, a branch head that cannot be read for the whole run (ownership fails open), a token
 * the forge refuses (401 on every call, or 403 on every write), a runner clock skewed by up to five
 * minutes, a lock release the forge fails, a planning probe that meets a tenant's 500 blip, and a kill
 * at a random moment or at a stage boundary (half the killed runs get a post step); per tenant, 500
 * outages at random times and rollouts that regress (the container falls back to its previous image
 * for a while after it came up on the new one).
 *
 * Every run is the real `deployFleet`; the forge is in memory (SimForgeView, with the lock register),
 * tenants, the redeploy control plane and the OCI registry answer through an undici Dispatcher on the
 * simulation clock (SimDispatcher). Invariants, checked at the moment each event happens:
 *  1. no rollout moves a tenant to an ancestor of what it truly runs, when the rollout is sent and when
 *     it lands (whatever the run believed from its own reads); and no `:latest` write moves the tag to an
 *     ancestor of what it names; fail-open runs included;
 *  2. a side effect (redeploy POST, registry manifest PUT, commit status) is sent only by the run
 *     holding the lock, and never while another live run that performed side effects is still inside
 *     its section;
 *  3. a green record is true at its verdict: when a run writes a `success` status, every tenant runs the
 *     status's commit or a descendant, answers, and is healthy (no green record counts a tenant that is
 *     unhealthy on the new commit); when a run ends `deployed` or `noop` without one,
 *     the same holds for every tenant its record counts converged or ahead. The only tolerance is a
 *     tenant that went bad after this run's last successful read of it, that read being at most
 *     VERDICT_WINDOW_MS before the verdict (the verdict's own re-read);
 *  4. a run the forge refused (401 on any call, 403 on a write) ends `failed` with the class `auth` or `permission`;
 *  5. once a run's post step has run, the lock does not name that run (released on every exit path);
 *     a run that halted never told a tenant of a later wave (`not_attempted`) to roll;
 *  6. when the pushes stop and every run has ended, the fleet and `:latest` are on the newest commit,
 *     or every run of the newest commit ended red with a message (or died: its post step records `aborted`);
 *  7. a side effect comes only from a run that may act: in a gated schedule, for a commit verified in
 *     staging; and not later than SUPERSEDED_GRACE_MS after a newer commit was pushed on top of the run's own,
 *     unless the run's latest read of the branch head failed (it fails open).
 */
export interface SimOptions {
  readonly seed: number
  /** Inject faults (default true). */
  readonly faults?: boolean
  /** The action's `lock` input (default true); false shows what the lock prevents. */
  readonly lock?: boolean
  /** A fixed schedule instead of a random one (named cases). */
  readonly script?: Script
  /** The forge (default: GitHub for a script, else half the seeds each). */
  readonly forge?: ForgeKind
}

export interface Script {
  /**
   * Commit SHAs in push order, each with the time it is pushed and the time its run starts (seconds), the
   * run's faults, and when a second run of the same commit starts (a re-run or a manual dispatch: both own the
   * branch) with its faults.
   */
  readonly pushes: readonly {
    readonly sha: string
    readonly pushAt: number
    readonly runAt: number
    readonly faults?: RunFaults
    readonly rerunAt?: number
    readonly rerunFaults?: RunFaults
  }[]
  readonly settleBudget: number
  readonly settleInterval: number
  /** Promote `:latest` (default true). */
  readonly promote?: boolean
  /** Tenants already running the first pushed commit when it is pushed (an earlier deploy of it landed). */
  readonly alreadyOn?: readonly string[]
  /** A deploy outside fleet-forward: at `atS`, every tenant comes up on push `of`'s commit, which has no run. */
  readonly byHand?: { readonly of: number; readonly atS: number }
  /** Seconds each tenant's rollout takes (else random, up to 40 s). */
  readonly rolloutSeconds?: Readonly<Record<string, number>>
  /** The tenant's next rollout regresses: `afterS` after it came up, for `forS`. */
  readonly regressions?: readonly { readonly tenant: string; readonly afterS: number; readonly forS: number }[]
  /** The tenant answers 500 from `atS` for `forS`. */
  readonly outages?: readonly { readonly tenant: string; readonly atS: number; readonly forS: number }[]
  /**
   * Manual dispatches: at `atS`, a run from the branch head deploys the image of an earlier push (`of`: its
   * index in `pushes`), as someone redeploying a known-good release. It may never move a tenant back.
   */
  readonly dispatches?: readonly { readonly atS: number; readonly of: number }[]
  /**
   * The gate (`require-verified-in: staging`): each push's staging record, written `afterS` seconds after the
   * push (`state` null: never verified in staging).
   */
  readonly staging?: readonly { readonly state: 'success' | 'failure' | null; readonly afterS: number }[]
}

/** Faults that last a whole run. */
export interface RunFaults extends RunForgeFaults {
  /** This run's clock minus true time. */
  readonly skewMs?: number
  /** The first probe of this tenant by this run meets a 500 blip (the tenant is down from then for `ms`). */
  readonly planningBlip?: { readonly tenant: string; readonly ms: number } | null
  /** The run is killed: at a time after its start, or when it logs the stage boundary named. */
  readonly kill?: { readonly afterMs: number } | { readonly atStage: StageBoundary } | null
  /** A killed run's post step runs (releases the lock by nonce). */
  readonly postStepOnKill?: boolean
}

export interface RunSummary {
  readonly index: number
  readonly sha: string
  readonly startedAt: number
  readonly crashedAt: number | null
  readonly record: RunRecord | null
}

export interface SimResult {
  readonly seed: number
  readonly violations: string[]
  readonly runs: RunSummary[]
  /** Scheduler steps (timer firings) this schedule took. */
  readonly steps: number
  readonly pushes: number
  /** The log of the run, for a failing seed. */
  readonly trace: string[]
  readonly forge: ForgeKind
  readonly tenants: number
  /** The most forge writes one run of this schedule sent, less its renewals and the lock changes re-sent after forge faults. */
  readonly maxForgeWrites: number
  /** The side effects and fault paths this schedule reached (REACHED), so a checker never exercised shows. */
  readonly reached: ReadonlySet<Reach>
}

/**
 * What a schedule can reach, recognized by a log line of a run (a RegExp) or by the simulation itself.
 * The test suite asserts each is reached by enough schedules: an invariant about a path never taken proves nothing.
 */
export const REACHED = {
  'redeploy sent': null,
  'registry write': null,
  'success status written': null,
  'failure status written': null,
  'deployment created': null,
  'lock taken over after a lease': /the lease of .* ended; taking it over/,
  'lock claim not confirmed': /our claim was not confirmed/,
  'lock released by the post step': /released by the post step/,
  'gate blocked': null,
  'dispatch of an earlier release': null,
  'gate passed': /^gate: \w+ was verified in/,
  'halted wave': null,
  'fail-open run': /continuing as owner: ownership fails open/,
  'superseded run': null,
  'regression caught at the verdict': /no longer report .* when read again before the verdict/,
  'forge rate-limited a request': null,
  'forge write answer lost': null,
  'run refused by the forge': null,
  'run killed holding the lock': null,
  'large fleet': null
} as const satisfies Record<string, RegExp | null>
export type Reach = keyof typeof REACHED

const T0 = Date.UTC(2026, 10, 23, 9)
/** The incident's three tenants; a large fleet adds t0004, t0005, … */
const NAMED_TENANTS = ['hongming', 'ana', 'bo']
/** One schedule in LARGE_FLEET_EVERY has a fleet of 100 to 1,000 tenants: the proof must not cost per tenant. */
const LARGE_FLEET_EVERY = 20

function tenantNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => NAMED_TENANTS[i] ?? `t${String(i + 1).padStart(4, '0')}`)
}
const ENVIRONMENT = 'production'
/** The gate's upstream environment (`require-verified-in`), in the schedules that gate. */
const UPSTREAM = 'staging'
const IMAGE_REPO = 'acme/app'
const REVISION = 'org.opencontainers.image.revision'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

const FORGE_FAULTS: ForgeFaults = { unavailable: 0.03, rateLimited: 0.015, dropped: 0.01, answerLost: 0.03 }

/**
 * Invariant 7's only tolerance: a side effect already proven (the proof before a redeploy call serves a
 * second of calls) may still be on its way, through its retries and their waits, when a newer commit is pushed.
 */
const SUPERSEDED_GRACE_MS = 90_000

/** Invariant 3's only tolerance: a tenant that went bad after the run's last read of it, if that read was this recent. */
export const VERDICT_WINDOW_MS = 10_000

/** Where a run can be killed between two stages, recognized by the line the run logs when it gets there. */
const STAGE_BOUNDARIES = {
  ownership: /this run owns it|continuing as owner/,
  lock: /^lock '.*' acquired/,
  plan: /tenant\(s\) to roll to/,
  redeploy: /^redeploy requested|^no redeploy configured/,
  promote: /^promote /,
  'verify round': /^round \d+:/,
  record: /^recorded (success|failure)/,
  release: /^lock '.*' released$/
} as const
export type StageBoundary = keyof typeof STAGE_BOUNDARIES

interface SimRun {
  index: number
  sha: string
  /** The commit the run deploys: its own, or the release a dispatch names. */
  expected: string
  /** The forge failed this run's latest branch-head read (the run is failing open until the next one). */
  headReadFailed: boolean
  runUrl: string
  settings: Settings
  /** The runner's clock (skewed), which sleeps forever once the run is dead. */
  clock: Clock
  /** What this run sent the forge. */
  traffic: ForgeTraffic
  faults: RunFaults
  startedAt: number
  dead: boolean
  crashedAt: number | null
  finished: boolean
  /** Performed a side effect and has not left its section yet. */
  inSection: boolean
  /** Forge writes less renewals and re-sent lock changes (MAX_FORGE_WRITES_PER_RUN bounds it), once the run ended. */
  baseWrites: number
  /** The nonce the run told its post step about (null once it said it let go), and the last one it ever told. */
  nonce: string | null
  knownNonce: string | null
  record: RunRecord | null
  /** When this run last read each tenant successfully (a 200 answer reached it), and what it reported then. */
  lastRead: Map<string, number>
  lastSeen: Map<string, string>
  /** The planned blip already happened (at this run's first probe of that tenant). */
  blipped: boolean
  /** Tenants this run told the control plane to roll. */
  rolled: Set<string>
  /** This run wrote a success status (its verdict was checked then). */
  wroteSuccess: boolean
}

/**
 * Forge writes one run may send: taking and releasing the lock, the commit status, the deployment and its
 * statuses (10 without faults), plus one lease renewal (2 writes on either forge) per half lease the run
 * lasted, plus a lock change (2 writes) again for each write the forge failed. Whatever the size of the fleet.
 */
export const MAX_FORGE_WRITES_PER_RUN = 12
const WRITES_PER_RENEWAL = 2

export async function simulate(options: SimOptions): Promise<SimResult> {
  const random = new Random(options.seed)
  const clock = new SimClock(T0)
  const faults = options.faults ?? true
  const lockOn = options.lock ?? true
  // Half the random schedules tell the fleet to roll one call per tenant ({tenant} in redeploy-url); three in ten promote nothing.
  const perTenantRedeploy = !options.script && random.chance(0.5)
  const promoting = options.script ? (options.script.promote ?? true) : random.chance(0.7)
  // A third of the random schedules roll out in waves (a canary first), some with a bake between them; about
  // one bake in nine soaks longer than a lease, so the run lives on only by renewing it.
  const waves = options.script ? '' : random.pick(['', '', '1, 100%', '1, 2, 100%'])
  const soak = waves && random.chance(0.5) ? random.int(5, 30) : 0
  const bake = soak === 0 ? '' : String(soak >= 28 ? soak * 60 : soak)
  const forgeKind = options.forge ?? (options.script ? 'github' : random.pick(['github', 'gitea'] as const))
  const tenants = tenantNames(!options.script && random.int(1, LARGE_FLEET_EVERY) === 1 ? random.int(100, 1000) : NAMED_TENANTS.length)
  // The forge's clock (its Date header) is its own: up to two minutes off true time, and off every runner's.
  const forgeOffsetMs = faults && !options.script ? random.int(-120_000, 120_000) : 0
  const forge = new SimForge(forgeKind, () => clock.now() + forgeOffsetMs)
  const violations: string[] = []
  const reached = new Set<Reach>()
  if (tenants.length >= 100) reached.add('large fleet')
  const reachedBy = (line: string): void => {
    for (const [kind, pattern] of Object.entries(REACHED)) if (pattern?.test(line)) reached.add(kind as Reach)
  }
  const trace: string[] = []
  const at = (ms: number): string => ((ms - T0) / 1000).toFixed(1)
  const note = (line: string): void => void trace.push(`${at(clock.now()).padStart(7)}s ${line}`)
  const violation = (line: string): void => {
    violations.push(`t=${at(clock.now())}s ${line}`)
    note(`VIOLATION ${line}`)
  }
  const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : 'none')
  const atOrAfter = (expected: string) => (sha: string) => sha === expected || forge.isAncestor(expected, sha)

  // ---- the world: branch, fleet, registry ----
  const base = commitSha(options.seed, 0)
  forge.push(base)
  const fleet = new SimFleet(tenants, base, clock, random, faults ? { regression: 0.12 } : null, note)
  const blobs = new Map<string, Buffer>()
  const registryTags = new Map<string, string>()
  const revisionOf = new Map<string, string>()
  const publishImage = (sha: string): void => {
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
        layers: [],
        annotations: { [REVISION]: sha }
      })
    )
    const digest = sha256(bytes)
    blobs.set(digest, bytes)
    revisionOf.set(digest, sha)
    registryTags.set(`staging-${short(sha)}`, digest)
  }
  publishImage(base)
  registryTags.set('latest', registryTags.get(`staging-${short(base)}`)!)

  const runs: SimRun[] = []
  /** When each commit was pushed; commits verified in staging (a success there is never replaced). */
  const pushedAt = new Map<string, number>()
  const verifiedUpstream = new Set<string>()
  const runByUrl = new Map<string, SimRun>()

  /** Invariants 2 and 7, at the moment a side effect reaches its server. */
  const sideEffect = (run: SimRun, what: string): void => {
    // 7: a gated run acts only for a commit verified upstream (a staging success, once written, stays).
    if (script.staging && !verifiedUpstream.has(run.expected))
      violation(`run ${run.index} (${short(run.sha)}) sent ${what} for ${short(run.expected)}, which was never verified in ${UPSTREAM}`)
    // 7: a run stops acting once a newer commit owns the branch, unless its latest read of the head failed (fail-open).
    const successor = [...forge.parents].find(([, parent]) => parent === run.sha)?.[0]
    const supersededAt = successor ? pushedAt.get(successor) : undefined
    if (supersededAt !== undefined && !run.headReadFailed && clock.now() - supersededAt > SUPERSEDED_GRACE_MS)
      violation(
        `run ${run.index} (${short(run.sha)}) sent ${what} ${((clock.now() - supersededAt) / 1000).toFixed(0)}s after ${short(successor)} was pushed on top of it, its latest read of the branch head answered`
      )
    if (lockOn) {
      const holder = forge.lockHolder(ENVIRONMENT)
      if (holder?.runUrl !== run.runUrl)
        violation(
          `run ${run.index} (${short(run.sha)}) sent ${what} while the lock is held by ${holder ? `run ${runByUrl.get(holder.runUrl)?.index}` : 'nobody'}`
        )
    }
    for (const other of runs) {
      if (other === run || !other.inSection || other.dead || other.finished) continue
      if (lockOn && forge.lockHolder(ENVIRONMENT)?.runUrl !== other.runUrl) {
        other.inSection = false
        continue
      }
      violation(`run ${run.index} (${short(run.sha)}) sent ${what} while run ${other.index} (${short(other.sha)}) is inside its side-effect section`)
    }
    run.inSection = true
  }

  /** Invariant 3: the tenants a green claim counts satisfy it now, or went bad only after the claim's own last read of them. */
  const checkVerdict = (run: SimRun, claim: string, expected: string, counted: readonly string[]): void => {
    for (const name of counted) {
      const tenant = fleet.tenants.get(name)
      if (!tenant) continue
      const fault = fleet.faultFor(tenant, expected, atOrAfter(expected))
      if (!fault) continue
      const read = run.lastRead.get(name)
      if (read !== undefined && fault.since > read && clock.now() - read <= VERDICT_WINDOW_MS) continue
      violation(
        `run ${run.index} (${short(run.sha)}) ${claim} counting ${name} as on ${short(expected)}, but ${name} ${fault.what} since t=${at(fault.since)}s (its last read by this run: ${read === undefined ? 'never' : `t=${at(read)}s`})`
      )
    }
  }

  const tenantServer =
    (run: SimRun): SimServer =>
    (req): SimAnswer => {
      const name = req.path.split('/')[1] ?? ''
      const tenant = fleet.tenants.get(name)
      if (!tenant) return { status: 404, body: '{}' }
      const blip = run.faults.planningBlip
      if (blip?.tenant === name && !run.blipped) {
        run.blipped = true
        fleet.takeDown(tenant, blip.ms)
      }
      if (faults && !fleet.isDown(tenant)) {
        const roll = random.next()
        if (roll < 0.03) return { status: 503, body: '{"error":"draining"}' }
        if (roll < 0.05) return { error: 'deadline' }
        if (roll < 0.06) return { error: 'reset' }
      }
      if (req.path.endsWith('/healthz')) return fleet.healthAnswer(tenant)
      const answer = fleet.answer(tenant)
      if ('status' in answer && answer.status === 200) {
        run.lastRead.set(name, clock.now())
        run.lastSeen.set(name, tenant.running)
      }
      return answer
    }

  const controlPlane =
    (run: SimRun): SimServer =>
    (req): SimAnswer => {
      if (req.method !== 'POST') return { status: 405 }
      if (faults && random.chance(0.04)) return { status: 503, headers: { 'retry-after': '2' }, body: 'busy' }
      if (faults && random.chance(0.02)) return { status: 500, body: 'internal error' }
      const body = JSON.parse(req.body.toString('utf8')) as { sha: string; tenants: string[] }
      sideEffect(run, `a redeploy to ${short(body.sha)}`)
      reached.add('redeploy sent')
      note(`control plane: run ${run.index} rolls ${body.tenants.join(',')} to ${short(body.sha)}`)
      for (const name of body.tenants) {
        const tenant = fleet.tenants.get(name)
        if (!tenant) continue
        run.rolled.add(name)
        const seconds = script.rolloutSeconds?.[name]
        // What the tenant truly runs, when the rollout is sent and again when it lands, is never a descendant of
        // the rollout's commit (whatever the run believed from its own reads).
        const backward = (when: string): void => {
          const from = tenant.running
          if (from !== body.sha && forge.isAncestor(body.sha, from))
            violation(`tenant ${name} moved back from ${short(from)} to its ancestor ${short(body.sha)} (redeploy by run ${run.index}, ${when})`)
        }
        backward('at send')
        fleet.rollout(tenant, body.sha, seconds !== undefined ? seconds * 1000 : random.int(0, 40_000), () => {
          backward('when it landed')
          note(`tenant ${name} now runs ${short(body.sha)}`)
        })
      }
      if (faults && random.chance(0.03)) return { error: 'reset' }
      // Some control planes take their time; a per-tenant redeploy then spans many of these answers,
      // and every one of them must still come from the lock holder.
      return { status: 202, body: '{"accepted":true}', delayMs: faults && random.chance(0.1) ? random.int(0, 29_000) : 0 }
    }

  /** `seen` is `commit` or one of its descendants. */
  const onOrAfter = (seen: string | undefined, commit: string): boolean => seen !== undefined && (seen === commit || forge.isAncestor(commit, seen))

  const registry =
    (run: SimRun): SimServer =>
    (req): SimAnswer => {
      const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.path)
      if (!match || match[1] !== IMAGE_REPO) return { status: 404, body: '{"errors":[{"code":"NAME_UNKNOWN"}]}' }
      const reference = match[2]!
      if (faults) {
        const roll = random.next()
        if (roll < 0.03) return { status: 503, body: '{"errors":[{"code":"UNAVAILABLE"}]}' }
        if (roll < 0.05) return { status: 429, headers: { 'retry-after': '1' }, body: '{"errors":[{"code":"TOOMANYREQUESTS"}]}' }
      }
      if (req.method === 'PUT') {
        const digest = sha256(req.body)
        const revision = revisionOf.get(digest) ?? null
        sideEffect(run, `a registry PUT of :${reference}`)
        reached.add('registry write')
        if (reference === 'latest') {
          const before = revisionOf.get(registryTags.get('latest') ?? '') ?? null
          if (before && revision && revision !== before && forge.isAncestor(revision, before)) {
            violation(`:latest moved back from ${short(before)} to its ancestor ${short(revision)} (run ${run.index})`)
          }
          // :latest only ever names an image the whole fleet was verified on: this run's last read of
          // every tenant must have found that commit (or a newer one) before it moves the tag.
          const unverified = revision ? [...fleet.tenants.keys()].filter((name) => !onOrAfter(run.lastSeen.get(name), revision)) : []
          if (unverified.length > 0) {
            violation(
              `run ${run.index} (${short(run.sha)}) moved :latest to ${short(revision)} before it had read every tenant on it (${unverified
                .slice(0, 3)
                .map((name) => `${name} last seen ${short(run.lastSeen.get(name) ?? 'never')}`)
                .join(', ')})`
            )
          }
          note(`registry: run ${run.index} moves :latest to ${short(revision)}`)
        }
        blobs.set(digest, req.body)
        registryTags.set(reference, digest)
        if (faults && random.chance(0.03)) return { error: 'reset' }
        return { status: 201, headers: { 'docker-content-digest': digest } }
      }
      const digest = reference.startsWith('sha256:') ? reference : registryTags.get(reference)
      const bytes = digest ? blobs.get(digest) : undefined
      if (!digest || !bytes) return { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' }
      return { status: 200, headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': digest }, body: bytes }
    }

  // ---- the schedule ----
  const script = options.script ?? randomScript(options.seed, random)
  // One schedule in five has a tenant that is unhealthy on the first pushed commit (it reports it, its
  // health path fails); only those check health, so every other schedule draws the same randomness as before.
  const sick = !options.script && options.seed % 5 === 0 ? script.pushes[0]!.sha : null
  if (sick) fleet.sickOn.set('bo', sick)
  const settleBudget = script.settleBudget
  if (faults && !options.script) scheduleOutages(fleet, clock, random, T0)
  for (const outage of script.outages ?? []) clock.at(T0 + outage.atS * 1000, () => fleet.takeDown(fleet.tenants.get(outage.tenant)!, outage.forS * 1000))
  for (const r of script.regressions ?? []) fleet.plannedRegressions.set(r.tenant, { afterMs: r.afterS * 1000, forMs: r.forS * 1000 })
  let reruns = script.pushes.length
  for (const [i, push] of script.pushes.entries()) {
    const pushAt = T0 + push.pushAt * 1000
    const byHand = script.byHand?.of === i ? script.byHand : null
    if (push.rerunAt !== undefined) {
      const index = ++reruns
      const rerunFaults = push.rerunFaults ?? (faults && !options.script ? randomRunFaults(random, tenants) : {})
      clock.at(T0 + push.rerunAt * 1000, () => startRun(index, push.sha, rerunFaults))
    }
    const staging = script.staging?.[i]
    if (staging?.state) {
      clock.at(pushAt + staging.afterS * 1000, () => {
        forge.record(push.sha, `fleet-forward/${UPSTREAM}`, staging.state!)
        if (staging.state === 'success') verifiedUpstream.add(push.sha)
        note(`staging records ${staging.state} on ${short(push.sha)}`)
      })
    }
    clock.at(pushAt, () => {
      forge.push(push.sha)
      pushedAt.set(push.sha, clock.now())
      publishImage(push.sha)
      if (i === 0) for (const name of script.alreadyOn ?? []) fleet.place(fleet.tenants.get(name)!, push.sha)
      note(`push ${short(push.sha)} (${byHand ? `deployed by hand at ${byHand.atS}s` : `run ${i + 1} starts at ${push.runAt}s`})`)
    })
    const runFaults = push.faults ?? (faults && !options.script ? randomRunFaults(random, tenants) : {})
    if (byHand) {
      clock.at(T0 + byHand.atS * 1000, () => {
        note(`${short(push.sha)} deployed by hand to every tenant`)
        for (const tenant of fleet.tenants.values()) fleet.rollout(tenant, push.sha, 0, () => {})
      })
    } else clock.at(T0 + push.runAt * 1000, () => startRun(i + 1, push.sha, runFaults))
  }
  for (const dispatch of script.dispatches ?? []) {
    const index = ++reruns
    const target = script.pushes[dispatch.of]!.sha
    const dispatchFaults = faults && !options.script ? randomRunFaults(random, tenants) : {}
    // A dispatch can only name a release that exists by then.
    clock.at(T0 + dispatch.atS * 1000, () => pushedAt.has(target) && startRun(index, forge.head, dispatchFaults, target))
  }

  let nonces = 0
  /**
   * The action's post step, 5 s after the main step ended: it releases the lock the main step still said
   * it held (the forge's outage that failed the main step's release is over by then). Invariant 5: after
   * it, the lock does not name the run.
   */
  const runPostStep = async (run: SimRun): Promise<void> => {
    if (run.nonce) {
      // A new process on the same runner (its clock, its token), with its own connection to the forge.
      const post = new SimDispatcher(
        new Map([
          [forge.origin, forge.server({ random, faults: null, run: {}, traffic: { requests: 0, writes: 0, refusals: 0, faulted: 0, written: new Map() } })]
        ]),
        clock,
        random,
        () => false
      )
      await releaseByNonce(forgeFromSettings(run.settings, run.clock, post), ENVIRONMENT, run.nonce, runLogger(run.index, note, reachedBy))
    }
    const holder = forge.lockHolder(ENVIRONMENT)
    if (run.knownNonce && holder?.nonce === run.knownNonce) {
      violation(
        `run ${run.index} (${short(run.sha)}) left lock '${ENVIRONMENT}' held after its post step (lease until t=${at(holder.expiresAt)}s on its own clock)`
      )
    }
  }
  const postStep = (run: SimRun): void => clock.at(clock.now() + 5_000, () => void runPostStep(run))

  const kill = (run: SimRun, why: string): void => {
    if (run.finished || run.dead) return
    run.dead = true
    run.crashedAt = clock.now()
    const withPost = run.faults.postStepOnKill ?? false
    if (run.nonce) reached.add('run killed holding the lock')
    note(`run ${run.index} dies ${why}${run.nonce ? ' holding the lock' : ''}${withPost ? '; its post step will release' : ''}`)
    if (withPost) postStep(run)
  }

  const finish = (run: SimRun, record: RunRecord): void => {
    // A killed process returns nothing; its post step speaks for it.
    if (run.dead) return
    run.record = record
    run.finished = true
    run.inSection = false
    if (record.result === 'superseded') reached.add('superseded run')
    if (record.result === 'blocked' && record.message.startsWith('gate:')) reached.add('gate blocked')
    if (run.expected !== run.sha && run.rolled.size > 0) reached.add('dispatch of an earlier release')
    if (record.waves.some((wave) => wave.result === 'halted')) reached.add('halted wave')
    note(`run ${run.index} (${short(run.sha)}) ended ${record.result}${record.error_class ? ` [${record.error_class}]` : ''}: ${record.message}`)
    if ((record.result === 'deployed' || record.result === 'noop') && !run.wroteSuccess && record.expected_sha) {
      const counted = record.tenants.filter((t) => t.state === 'converged' || t.state === 'ahead').map((t) => t.name)
      checkVerdict(run, `ended ${record.result}`, record.expected_sha, counted)
    }
    for (const tenant of record.tenants) {
      if (tenant.state === 'not_attempted' && run.rolled.has(tenant.name)) {
        violation(`run ${run.index} (${short(run.sha)}) halted before ${tenant.name}'s wave yet told it to roll`)
      }
    }
    // The proof that a run may act costs a handful of forge writes whatever the fleet, a renewal per half lease,
    // and a lock change again for each write the forge failed (a renewal not confirmed is renewed again soon).
    const halfLeaseMs = (leaseSecondsFor(settleBudget) * 1000) / 2
    const renewals = Math.floor((clock.now() - run.startedAt) / halfLeaseMs)
    const allowed = MAX_FORGE_WRITES_PER_RUN + WRITES_PER_RENEWAL * (renewals + run.traffic.faulted)
    run.baseWrites = run.traffic.writes - (allowed - MAX_FORGE_WRITES_PER_RUN)
    if (run.traffic.writes > allowed)
      violation(
        `run ${run.index} (${short(run.sha)}) sent ${run.traffic.writes} forge writes (${[...run.traffic.written].map(([e, n]) => `${n}× ${e}`).join(', ')}); a run's proof of ownership must cost at most ${allowed} (${MAX_FORGE_WRITES_PER_RUN}, and ${WRITES_PER_RENEWAL} for each of ${renewals} half leases in ${((clock.now() - run.startedAt) / 1000).toFixed(0)}s and ${run.traffic.faulted} failed writes)`
      )
    const auth = run.faults.auth
    if (auth && run.traffic.refusals > 0) {
      reached.add('run refused by the forge')
      const wanted = auth === 401 ? 'auth' : 'permission'
      if (record.result !== 'failed' || record.error_class !== wanted) {
        violation(
          `run ${run.index} (${short(run.sha)}) was refused by the forge (${auth}) but ended ${record.result} [${record.error_class ?? 'no class'}]; expected failed [${wanted}]`
        )
      }
    }
    postStep(run)
  }

  /** `release`: a dispatch of that commit's image from the branch head (`sha`); else the run deploys its own commit. */
  const startRun = (index: number, sha: string, runFaults: RunFaults, release?: string): void => {
    const expected = release ?? sha
    const inputs: Record<string, string> = {
      ...(release ? { 'target-tag': `staging-${short(release)}`, ...(promoting ? {} : { 'expected-sha': release }) } : {}),
      ...(script.staging ? { 'require-verified-in': UPSTREAM } : {}),
      token: forge.token,
      branch: 'main',
      sha,
      environment: ENVIRONMENT,
      tenants: tenants.map((name) => `${name} http://tenants.sim/${name}/buildinfo`).join('\n'),
      'health-path': sick ? '/healthz' : '',
      'redeploy-url': perTenantRedeploy ? 'http://control.sim/roll/{tenant}' : 'http://control.sim/roll',
      image: promoting ? `registry.sim/${IMAGE_REPO}` : '',
      'settle-budget': String(settleBudget),
      'settle-interval': String(script.settleInterval),
      waves,
      bake,
      'lock-timeout': '600',
      lock: String(lockOn)
    }
    const settings = parseSettings(
      (name) => inputs[name] ?? '',
      { ...forge.env, GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: REPOSITORY, GITHUB_RUN_ID: String(100 + index), GITHUB_RUN_NUMBER: String(index) },
      () => ''
    )
    const skewMs = runFaults.skewMs ?? 0
    const run: SimRun = {
      index,
      sha,
      expected,
      headReadFailed: false,
      runUrl: settings.run.runUrl,
      settings,
      clock: {
        now: () => clock.now() + skewMs,
        sleep: (ms: number, signal?: AbortSignal) => (run.dead ? new Promise<void>(() => {}) : clock.sleep(ms, signal))
      },
      traffic: { requests: 0, writes: 0, refusals: 0, faulted: 0, written: new Map() },
      faults: runFaults,
      startedAt: clock.now(),
      dead: false,
      crashedAt: null,
      finished: false,
      inSection: false,
      baseWrites: 0,
      nonce: null,
      knownNonce: null,
      record: null,
      lastRead: new Map(),
      lastSeen: new Map(),
      rolled: new Set(),
      blipped: false,
      wroteSuccess: false
    }
    runs.push(run)
    // The checker tells runs apart by the run page the lock names: each run must have its own.
    if (!run.runUrl || runByUrl.has(run.runUrl)) throw new Error(`run ${run.index} has no run page of its own ('${run.runUrl}')`)
    runByUrl.set(run.runUrl, run)
    const isDead = (): boolean => run.dead
    const forgeServer = forge.server({
      random,
      faults: faults ? FORGE_FAULTS : null,
      run: runFaults,
      traffic: run.traffic,
      hooks: {
        onStatus: (statusSha, state, context) => {
          if (context !== `fleet-forward/${ENVIRONMENT}`) return
          sideEffect(run, `a ${state} status`)
          reached.add(state === 'success' ? 'success status written' : 'failure status written')
          if (state !== 'success') return
          run.wroteSuccess = true
          checkVerdict(run, `wrote success on ${short(statusSha)}`, statusSha, tenants)
        },
        onDeployment: () => reached.add('deployment created'),
        onHeadRead: (answered) => (run.headReadFailed = !answered),
        onFault: (fault) => reached.add(fault === 'rate limited' ? 'forge rate-limited a request' : 'forge write answer lost')
      }
    })
    const servers = new Map<string, SimServer>([
      [forge.origin, forgeServer],
      ['http://tenants.sim', tenantServer(run)],
      ['http://control.sim', controlPlane(run)],
      ['https://registry.sim', registry(run)]
    ])
    const dispatcher = new SimDispatcher(servers, clock, random, isDead)
    note(`run ${index} starts for ${short(sha)} (branch head ${short(forge.head)})${describeFaults(runFaults)}`)
    const killAt = runFaults.kill
    const log = runLogger(index, note, (message) => {
      reachedBy(message)
      if (killAt && 'atStage' in killAt && STAGE_BOUNDARIES[killAt.atStage].test(message)) kill(run, `at the ${killAt.atStage} boundary`)
    })
    void deployFleet(settings, {
      forge: forgeFromSettings(settings, run.clock, dispatcher),
      clock: run.clock,
      log,
      signal: new AbortController().signal,
      dispatcher,
      lockNonce: () => `nonce-${options.seed}-${++nonces}`,
      onLock: (lock) => {
        run.nonce = lock?.nonce ?? null
        run.knownNonce = lock?.nonce ?? run.knownNonce
      }
    }).then((record) => finish(run, record))
    if (killAt && 'afterMs' in killAt) clock.at(clock.now() + killAt.afterMs, () => kill(run, 'at a random moment'))
  }

  await clock.run()

  // ---- invariant 6: the end state ----
  const stuck = runs.filter((r) => !r.finished && !r.dead)
  for (const run of stuck) violation(`run ${run.index} never finished (deadlock)`)
  const newest = forge.head
  const newestRuns = runs.filter((r) => r.expected === newest)
  const fleetOnNewest = [...fleet.tenants.values()].every((t) => t.running === newest)
  const latestOnNewest = !promoting || revisionOf.get(registryTags.get('latest') ?? '') === newest
  const loud = (run: SimRun): boolean => run.dead || (run.record !== null && !GREEN_RESULTS.has(run.record.result) && run.record.message.length > 0)
  const green = newestRuns.find((run) => !loud(run))
  if (green && (!fleetOnNewest || !latestOnNewest)) {
    violation(
      `pushes stopped at ${short(newest)} but the fleet reports ${listed([...fleet.tenants.values()].filter((t) => t.running !== newest).map((t) => `${t.name}=${short(t.running)}`))}${promoting ? ` and :latest is ${short(revisionOf.get(registryTags.get('latest') ?? ''))}` : ''}, while run ${green.index} ended ${green.record?.result ?? 'nowhere'} without saying why`
    )
  }
  for (const run of newestRuns) if (run.record?.result === 'superseded') violation(`run ${run.index} of the newest commit ended superseded`)

  return {
    seed: options.seed,
    violations,
    runs: runs.map((r) => ({ index: r.index, sha: r.sha, startedAt: r.startedAt, crashedAt: r.crashedAt, record: r.record })),
    steps: clock.steps,
    forge: forgeKind,
    tenants: tenants.length,
    maxForgeWrites: Math.max(0, ...runs.map((r) => r.baseWrites)),
    reached,
    pushes: script.pushes.length,
    trace
  }
}

/** Per run: which faults it meets (each independently, so they combine). */
function randomRunFaults(random: Random, tenants: readonly string[]): RunFaults {
  const stages = Object.keys(STAGE_BOUNDARIES) as StageBoundary[]
  const killed = random.chance(0.15)
  return {
    headUnreadable: random.chance(0.2),
    auth: random.chance(0.04) ? random.pick([401, 403] as const) : null,
    releaseFails: random.chance(0.15),
    skewMs: random.chance(0.5) ? random.int(-600_000, 600_000) : 0,
    planningBlip: random.chance(0.25) ? { tenant: random.pick(tenants), ms: random.int(1_000, 10_000) } : null,
    kill: killed ? (random.chance(0.5) ? { afterMs: random.int(0, 300_000) } : { atStage: random.pick(stages) }) : null,
    postStepOnKill: killed && random.chance(0.5)
  }
}

/** Per tenant: up to two 500 outages of 5–60 s at random times. */
function scheduleOutages(fleet: SimFleet, clock: SimClock, random: Random, t0: number): void {
  for (const tenant of fleet.tenants.values()) {
    for (let n = random.int(0, 2); n > 0; n--) {
      const ms = random.int(5_000, 60_000)
      clock.at(t0 + random.int(0, 900_000), () => fleet.takeDown(tenant, ms))
    }
  }
}

function describeFaults(f: RunFaults): string {
  const parts = [
    f.headUnreadable && 'branch head unreadable',
    f.auth && `token refused (${f.auth})`,
    f.releaseFails && 'lock release fails',
    f.skewMs && `clock ${f.skewMs > 0 ? '+' : ''}${(f.skewMs / 1000).toFixed(0)}s`,
    f.planningBlip && `${f.planningBlip.tenant} blips at its first probe`,
    f.kill && ('afterMs' in f.kill ? `killed after ${(f.kill.afterMs / 1000).toFixed(0)}s` : `killed at the ${f.kill.atStage} boundary`)
  ].filter(Boolean)
  return parts.length ? `; faults: ${parts.join(', ')}` : ''
}

function randomScript(seed: number, random: Random): Script {
  const count = random.int(1, 5)
  const pushes: { sha: string; pushAt: number; runAt: number; rerunAt?: number }[] = []
  let at = 0
  for (let i = 1; i <= count; i++) {
    at += random.int(0, 150)
    const runAt = at + random.int(0, 120)
    pushes.push({ sha: commitSha(seed, i), pushAt: at, runAt, ...(random.chance(0.15) ? { rerunAt: runAt + random.int(0, 300) } : {}) })
  }
  // One schedule in eight redeploys an earlier release by hand; three in ten gate on staging.
  const dispatches = random.chance(0.125) ? [{ atS: random.int(0, at + 300), of: random.int(0, count - 1) }] : []
  const staging = random.chance(0.3)
    ? pushes.map(() => ({ state: random.pick(['success', 'success', 'success', 'success', 'success', 'failure', null] as const), afterS: random.int(0, 150) }))
    : undefined
  return { pushes, settleBudget: random.int(30, 240), settleInterval: random.int(5, 20), dispatches, ...(staging ? { staging } : {}) }
}

/** The first few items, and how many more. */
function listed(items: readonly string[]): string {
  return items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', ')
}

/** Deterministic, distinct-looking commit SHAs per seed. */
function commitSha(seed: number, index: number): string {
  return createHash('sha1').update(`${seed}:${index}`).digest('hex')
}

/** `onLine` sees every info and warning line (stage boundaries are recognized by them). */
function runLogger(index: number, note: (line: string) => void, onLine: (message: string) => void = () => {}): Logger {
  return {
    info: (m) => {
      note(`  [run ${index}] ${m}`)
      onLine(m)
    },
    warning: (m) => {
      note(`  [run ${index}] warning: ${m}`)
      onLine(m)
    },
    error: (m) => note(`  [run ${index}] error: ${m}`),
    group: async (_t, body) => body()
  }
}

/** The incident of the README (What it prevents): 7a72516 then 7f25373 two minutes apart; the newer run deploys and verifies first, the older run starts after. */
export const INCIDENT: Script = {
  pushes: [
    { sha: '7a72516' + 'e1'.repeat(16) + '0', pushAt: 0, runAt: 400 },
    { sha: '7f25373' + 'e2'.repeat(16) + '0', pushAt: 120, runAt: 125 }
  ],
  settleBudget: 240,
  settleInterval: 20
}

/** The incident's commits with overlapping runs: the older run is deploying when the newer one starts and waits for the lock. */
export const INCIDENT_OVERLAP: Script = {
  pushes: [
    { sha: INCIDENT.pushes[0]!.sha, pushAt: 0, runAt: 100 },
    { sha: INCIDENT.pushes[1]!.sha, pushAt: 120, runAt: 121 }
  ],
  settleBudget: 240,
  settleInterval: 20
}

/**
 * The incident's older run with the branch head unreadable (ownership fails open), started once the fleet
 * runs 7f25373; hongming answers 500 to its planning probe and is healthy a moment later. Nothing is promoted.
 */
export const INCIDENT_FAIL_OPEN: Script = {
  pushes: [{ ...INCIDENT.pushes[0]!, faults: { headUnreadable: true, planningBlip: { tenant: 'hongming', ms: 3_000 } } }, INCIDENT.pushes[1]!],
  settleBudget: 240,
  settleInterval: 20,
  promote: false
}

/**
 * The incident's older run failing open while hongming's container has fallen back for a moment to its
 * previous image: its planning probe reads hongming behind and ana and bo on the newer 7f25373. It must roll
 * nothing, since hongming comes back on 7f25373 by itself. 7f25373 was deployed by hand, so the lock names
 * no newer run: what holds the older run back is what it reads of the fleet.
 */
export const INCIDENT_FAIL_OPEN_FALLBACK: Script = {
  pushes: [{ ...INCIDENT.pushes[0]!, faults: { headUnreadable: true } }, INCIDENT.pushes[1]!],
  byHand: { of: 1, atS: 132 },
  settleBudget: 240,
  settleInterval: 20,
  promote: false,
  rolloutSeconds: { hongming: 5, ana: 5, bo: 5 },
  regressions: [{ tenant: 'hongming', afterS: 270, forS: 8 }]
}

/**
 * The incident's runs overlapping, the older one failing open: the newer run sends its rollouts (25 s each)
 * and dies; its post step releases the lock the older run was waiting on. The older run's planning probe
 * reads every tenant behind, and the newer rollouts land right after it: it must roll nothing.
 */
export const INCIDENT_FAIL_OPEN_AFTER_HOLDER: Script = {
  pushes: [
    { sha: INCIDENT.pushes[0]!.sha, pushAt: 0, runAt: 119, faults: { headUnreadable: true } },
    { sha: INCIDENT.pushes[1]!.sha, pushAt: 120, runAt: 121, faults: { kill: { atStage: 'redeploy' }, postStepOnKill: true } }
  ],
  settleBudget: 240,
  settleInterval: 20,
  promote: false,
  rolloutSeconds: { hongming: 25, ana: 25, bo: 25 }
}

/**
 * As above, but the older run first reads the lock after the post step released it: the release names the
 * killed run, whose rollouts (15 s each) land between the older run's planning probe and its redeploy. It
 * must roll nothing.
 */
export const INCIDENT_FAIL_OPEN_AFTER_RELEASE: Script = {
  ...INCIDENT_FAIL_OPEN_AFTER_HOLDER,
  pushes: [{ ...INCIDENT_FAIL_OPEN_AFTER_HOLDER.pushes[0]!, runAt: 122 }, INCIDENT_FAIL_OPEN_AFTER_HOLDER.pushes[1]!],
  rolloutSeconds: { hongming: 15, ana: 15, bo: 15 }
}

/**
 * As above, with a chain: the older run takes the lock the post step released (it names the dead newer run),
 * and dies at its plan; its post step releases the lock again, and a re-run of the older commit takes it.
 * The newer run's rollouts (30 s each) land between the re-run's planning probe and its redeploy: it must
 * roll nothing, though the run that released the lock last deploys its own commit.
 */
export const INCIDENT_FAIL_OPEN_CHAIN: Script = {
  pushes: [
    {
      ...INCIDENT_FAIL_OPEN_AFTER_HOLDER.pushes[0]!,
      runAt: 122,
      faults: { headUnreadable: true, kill: { atStage: 'plan' }, postStepOnKill: true },
      rerunAt: 135,
      rerunFaults: { headUnreadable: true }
    },
    INCIDENT_FAIL_OPEN_AFTER_HOLDER.pushes[1]!
  ],
  settleBudget: 240,
  settleInterval: 20,
  promote: false,
  rolloutSeconds: { hongming: 30, ana: 30, bo: 30 }
}

/**
 * A false green: bo already runs 7f25373 at planning and answers 500 from 20 s on; hongming comes up on
 * 7f25373 quickly and falls back to its previous image 12 s later; ana takes 30 s. Both faults outlast the budget.
 */
export const FALSE_GREEN: Script = {
  pushes: [{ sha: INCIDENT.pushes[1]!.sha, pushAt: 0, runAt: 1 }],
  settleBudget: 120,
  settleInterval: 5,
  promote: false,
  alreadyOn: ['bo'],
  rolloutSeconds: { hongming: 2, ana: 30 },
  regressions: [{ tenant: 'hongming', afterS: 12, forS: 600 }],
  outages: [{ tenant: 'bo', atS: 20, forS: 600 }]
}

export function replayHint(seed: number): string {
  return `replay: npm run sim -- --seed ${seed}`
}
