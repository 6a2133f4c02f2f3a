import { createHash } from 'node:crypto'
import { parseSettings } from '../../src/config/parse.js'
import type { Logger } from '../../src/core/types.js'
import { deployFleet } from '../../src/core/deploy.js'
import { releaseByNonce } from '../../src/stages/lock.js'
import type { RunRecord } from '../../src/stages/record.js'
import { GREEN_RESULTS } from '../../src/core/types.js'
import { Random, SimClock } from './sim-clock.js'
import { SimForgeState, SimForgeView, type ForgeFaults } from './sim-forge.js'
import { sha256, SimDispatcher, type SimAnswer, type SimServer } from './sim-net.js'

/**
 * A seeded, deterministic simulation of overlapping deploy runs (issue 5's proof). Each seed derives a
 * schedule: 1–5 commits pushed at random times to one branch, one run per push starting after a random
 * queue delay (so an older run may start after a newer one, as in the incident), random settle budgets,
 * forge/registry/tenant faults (timeouts, 5xx, 429, writes whose answer is lost) and runs that die at a
 * random moment, holding the lock or not (half of them get a post step that releases it).
 *
 * Every run is the real `deployFleet`; the forge is in memory (SimForgeView, with the lock register),
 * tenants, the redeploy control plane and the OCI registry answer through an undici Dispatcher on the
 * simulation clock (SimDispatcher). Invariants, checked at the moment each event happens:
 *  1. no tenant and no `:latest` ever moves to an ancestor of the commit it held;
 *  2. a side effect (redeploy POST, registry manifest PUT) is sent only by the run holding the lock,
 *     and never while another live run that performed side effects is still inside its section;
 *  3. when the pushes stop and every run has ended, the fleet and `:latest` are on the newest commit,
 *     or the newest commit's run ended red with a message (or died: its post step records `aborted`).
 */
export interface SimOptions {
  readonly seed: number
  /** Inject faults (default true). */
  readonly faults?: boolean
  /** The action's `lock` input (default true); false shows what the lock prevents. */
  readonly lock?: boolean
  /** A fixed schedule instead of a random one (named cases). */
  readonly script?: Script
}

export interface Script {
  /** Commit SHAs in push order, each with the time it is pushed and the time its run starts (seconds). */
  readonly pushes: readonly { readonly sha: string; readonly pushAt: number; readonly runAt: number }[]
  readonly settleBudget: number
  readonly settleInterval: number
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
}

const T0 = Date.UTC(2026, 10, 23, 9)
const TENANTS = ['hongming', 'ana', 'bo']
const ENVIRONMENT = 'production'
const IMAGE_REPO = 'acme/app'
const REVISION = 'org.opencontainers.image.revision'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

const FORGE_FAULTS: ForgeFaults = { read: 0.04, writeFails: 0.03, writeLost: 0.03 }

interface SimRun {
  index: number
  sha: string
  runUrl: string
  startedAt: number
  dead: boolean
  crashedAt: number | null
  finished: boolean
  /** Performed a side effect and has not left its section yet. */
  inSection: boolean
  nonce: string | null
  record: RunRecord | null
}

export async function simulate(options: SimOptions): Promise<SimResult> {
  const random = new Random(options.seed)
  const clock = new SimClock(T0)
  const faults = options.faults ?? true
  const lockOn = options.lock ?? true
  // Half the random schedules tell the fleet to roll one call per tenant ({tenant} in redeploy-url).
  const perTenantRedeploy = !options.script && random.chance(0.5)
  const forge = new SimForgeState()
  const violations: string[] = []
  const trace: string[] = []
  const note = (line: string): void => void trace.push(`${((clock.now() - T0) / 1000).toFixed(1).padStart(7)}s ${line}`)
  const violation = (line: string): void => {
    violations.push(`t=${((clock.now() - T0) / 1000).toFixed(1)}s ${line}`)
    note(`VIOLATION ${line}`)
  }
  const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : 'none')

  // ---- the world: branch, fleet, registry ----
  const base = commitSha(options.seed, 0)
  forge.push(base)
  const tenants = new Map(TENANTS.map((name) => [name, { sha: base, pending: 0 }]))
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
  const runByUrl = new Map<string, SimRun>()

  /** Invariant 2, at the moment a side effect reaches its server. */
  const sideEffect = (run: SimRun, what: string): void => {
    if (lockOn) {
      const holder = forge.locks.get(ENVIRONMENT)?.holder
      if (holder?.runUrl !== run.runUrl) violation(`run ${run.index} (${short(run.sha)}) sent ${what} while the lock is held by ${holder ? `run ${runByUrl.get(holder.runUrl)?.index}` : 'nobody'}`)
    }
    for (const other of runs) {
      if (other === run || !other.inSection || other.dead || other.finished) continue
      if (lockOn && forge.locks.get(ENVIRONMENT)?.holder?.runUrl !== other.runUrl) {
        other.inSection = false
        continue
      }
      violation(`run ${run.index} (${short(run.sha)}) sent ${what} while run ${other.index} (${short(other.sha)}) is inside its side-effect section`)
    }
    run.inSection = true
  }

  const tenantServer: SimServer = (req): SimAnswer => {
    const name = req.path.split('/')[1] ?? ''
    const tenant = tenants.get(name)
    if (!tenant) return { status: 404, body: '{}' }
    if (faults) {
      const roll = random.next()
      if (roll < 0.03) return { status: 503, body: '{"error":"draining"}' }
      if (roll < 0.05) return { error: 'deadline' }
      if (roll < 0.06) return { error: 'reset' }
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha: tenant.sha }) }
  }

  const controlPlane = (run: SimRun): SimServer => (req): SimAnswer => {
    if (req.method !== 'POST') return { status: 405 }
    if (faults && random.chance(0.04)) return { status: 503, headers: { 'retry-after': '2' }, body: 'busy' }
    if (faults && random.chance(0.02)) return { status: 500, body: 'internal error' }
    const body = JSON.parse(req.body.toString('utf8')) as { sha: string; tenants: string[] }
    sideEffect(run, `a redeploy to ${short(body.sha)}`)
    note(`control plane: run ${run.index} rolls ${body.tenants.join(',')} to ${short(body.sha)}`)
    for (const name of body.tenants) {
      const tenant = tenants.get(name)
      if (!tenant) continue
      // Last request wins per tenant, as a deployment controller does; the new container takes a while.
      const ticket = ++tenant.pending
      clock.at(clock.now() + random.int(0, 40_000), () => {
        if (tenant.pending !== ticket) return
        if (tenant.sha !== body.sha && forge.isAncestor(body.sha, tenant.sha)) {
          violation(`tenant ${name} moved back from ${short(tenant.sha)} to its ancestor ${short(body.sha)} (redeploy by run ${run.index})`)
        }
        tenant.sha = body.sha
        note(`tenant ${name} now reports ${short(body.sha)}`)
      })
    }
    if (faults && random.chance(0.03)) return { error: 'reset' }
    // Some control planes take their time; a per-tenant redeploy then spans many of these answers,
    // and every one of them must still come from the lock holder.
    return { status: 202, body: '{"accepted":true}', delayMs: faults && random.chance(0.1) ? random.int(0, 29_000) : 0 }
  }

  const registry = (run: SimRun): SimServer => (req): SimAnswer => {
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
      if (reference === 'latest') {
        const before = revisionOf.get(registryTags.get('latest') ?? '') ?? null
        if (before && revision && revision !== before && forge.isAncestor(revision, before)) {
          violation(`:latest moved back from ${short(before)} to its ancestor ${short(revision)} (run ${run.index})`)
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
  const settleBudget = script.settleBudget
  let lastPushAt = T0
  for (const [i, push] of script.pushes.entries()) {
    const pushAt = T0 + push.pushAt * 1000
    lastPushAt = Math.max(lastPushAt, pushAt)
    clock.at(pushAt, () => {
      forge.push(push.sha)
      publishImage(push.sha)
      note(`push ${short(push.sha)} (run ${i + 1} starts at ${push.runAt}s)`)
    })
    clock.at(T0 + push.runAt * 1000, () => startRun(i + 1, push.sha))
  }

  let nonces = 0
  const startRun = (index: number, sha: string): void => {
    const runUrl = `https://github.com/acme/fleet/actions/runs/${100 + index}`
    const run: SimRun = { index, sha, runUrl, startedAt: clock.now(), dead: false, crashedAt: null, finished: false, inSection: false, nonce: null, record: null }
    runs.push(run)
    runByUrl.set(runUrl, run)
    const isDead = (): boolean => run.dead
    const view = new SimForgeView(forge, clock, random, FORGE_FAULTS, isDead, () => faults)
    const servers = new Map<string, SimServer>([
      ['http://tenants.sim', tenantServer],
      ['http://control.sim', controlPlane(run)],
      ['https://registry.sim', registry(run)]
    ])
    const dispatcher = new SimDispatcher(servers, clock, random, isDead)
    const runClock = {
      now: () => clock.now(),
      sleep: (ms: number, signal?: AbortSignal) => (run.dead ? new Promise<void>(() => {}) : clock.sleep(ms, signal))
    }
    const inputs: Record<string, string> = {
      token: 't',
      branch: 'main',
      sha,
      environment: ENVIRONMENT,
      tenants: TENANTS.map((name) => `${name} http://tenants.sim/${name}`).join('\n'),
      'redeploy-url': perTenantRedeploy ? 'http://control.sim/roll/{tenant}' : 'http://control.sim/roll',
      image: `registry.sim/${IMAGE_REPO}`,
      'settle-budget': String(settleBudget),
      'settle-interval': String(script.settleInterval),
      'lock-timeout': '600',
      lock: String(lockOn)
    }
    const settings = parseSettings((name) => inputs[name] ?? '', { GITHUB_REPOSITORY: 'acme/fleet', GITHUB_RUN_ID: String(100 + index), GITHUB_SERVER_URL: 'https://github.com' }, () => '')
    note(`run ${index} starts for ${short(sha)} (branch head ${short(forge.head)})`)
    void deployFleet(settings, {
      forge: view,
      clock: runClock,
      log: runLogger(index, note),
      signal: new AbortController().signal,
      dispatcher,
      lockNonce: () => `nonce-${options.seed}-${++nonces}`,
      onLock: (lock) => (run.nonce = lock?.nonce ?? null)
    }).then((record) => {
      run.record = record
      run.finished = true
      run.inSection = false
      note(`run ${index} (${short(sha)}) ended ${record.result}: ${record.message}`)
    })

    if (faults && !options.script && random.chance(0.15)) {
      const crashAt = clock.now() + random.int(0, 300_000)
      const postStep = random.chance(0.5)
      clock.at(crashAt, () => {
        if (run.finished) return
        run.dead = true
        run.crashedAt = clock.now()
        note(`run ${index} dies${run.nonce ? ' holding the lock' : ''}${postStep ? '; its post step will release' : ''}`)
        if (postStep && run.nonce) {
          const nonce = run.nonce
          clock.at(clock.now() + 5_000, () => {
            const postView = new SimForgeView(forge, clock, random, FORGE_FAULTS, () => false, () => faults)
            void releaseByNonce(postView, ENVIRONMENT, nonce, runLogger(index, note))
          })
        }
      })
    }
  }

  await clock.run()

  // ---- invariant 3: the end state ----
  const stuck = runs.filter((r) => !r.finished && !r.dead)
  for (const run of stuck) violation(`run ${run.index} never finished (deadlock)`)
  const newest = forge.head
  const newestRun = runs.find((r) => r.sha === newest)
  const fleetOnNewest = [...tenants.values()].every((t) => t.sha === newest)
  const latestOnNewest = revisionOf.get(registryTags.get('latest') ?? '') === newest
  if (newestRun && (!fleetOnNewest || !latestOnNewest)) {
    const loud = newestRun.dead || (newestRun.record && !GREEN_RESULTS.has(newestRun.record.result) && newestRun.record.message.length > 0)
    if (!loud) {
      violation(
        `pushes stopped at ${short(newest)} but the fleet reports ${[...tenants].map(([n, t]) => `${n}=${short(t.sha)}`).join(', ')} and :latest is ${short(revisionOf.get(registryTags.get('latest') ?? ''))}, while run ${newestRun.index} ended ${newestRun.record?.result ?? 'nowhere'} without saying why`
      )
    }
  }
  if (newestRun?.record?.result === 'superseded') violation(`run ${newestRun.index} of the newest commit ended superseded`)
  void lastPushAt

  return {
    seed: options.seed,
    violations,
    runs: runs.map((r) => ({ index: r.index, sha: r.sha, startedAt: r.startedAt, crashedAt: r.crashedAt, record: r.record })),
    steps: clock.steps,
    pushes: script.pushes.length,
    trace
  }
}

function randomScript(seed: number, random: Random): Script {
  const count = random.int(1, 5)
  const pushes: { sha: string; pushAt: number; runAt: number }[] = []
  let at = 0
  for (let i = 1; i <= count; i++) {
    at += random.int(0, 150)
    pushes.push({ sha: commitSha(seed, i), pushAt: at, runAt: at + random.int(0, 120) })
  }
  return { pushes, settleBudget: random.int(30, 240), settleInterval: random.int(5, 20) }
}

/** Deterministic, distinct-looking commit SHAs per seed. */
function commitSha(seed: number, index: number): string {
  return createHash('sha1').update(`${seed}:${index}`).digest('hex')
}

function runLogger(index: number, note: (line: string) => void): Logger {
  return {
    info: (m) => note(`  [run ${index}] ${m}`),
    warning: (m) => note(`  [run ${index}] warning: ${m}`),
    error: (m) => note(`  [run ${index}] error: ${m}`),
    group: async (_t, body) => body()
  }
}

/** The incident of the README (What it prevents): 7a72516 then 7f25373 two minutes apart; the newer run deploys and verifies first, the older run starts after. */
export const INCIDENT: Script = {
  pushes: [
    { sha: '7a72516' + 'e1'.repeat(16) + '00', pushAt: 0, runAt: 400 },
    { sha: '7f25373' + 'e2'.repeat(16) + '00', pushAt: 120, runAt: 125 }
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

export function replayHint(seed: number): string {
  return `replay: npm run sim -- --seed ${seed}`
}
