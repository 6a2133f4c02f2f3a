import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDeploy, type CliIO } from '../cli/deploy.js'
import { EXIT_CODES, EXIT_DEMO_FAILED } from '../cli/exit-codes.js'
import { parseInvocation } from '../cli/flags.js'
import { renderOutcome } from '../cli/outcome.js'
import { Terminal, type OutputStream } from '../cli/terminal.js'
import { isSettled } from '../fleet/report.js'
import { convergenceTimeline } from '../report/summary.js'
import type { RunRecord } from '../stages/record.js'
import { systemClock } from '../util/clock.js'
import { shortSha } from '../util/sha.js'
import { Expectations } from './expectations.js'
import { SimulatedFleet } from './fleet.js'
import { SimulatedGitHub } from './forge.js'
import { indented } from './indent.js'
import { SimulatedRegistry } from './registry.js'

/**
 * `fleet-forward demo`: the incident of the README (What it prevents), replayed on 127.0.0.1 with the real engine and the
 * real command line. A simulated GitHub, OCI registry, fleet and control plane run in this process;
 * each run is the same `fleet-forward deploy` a CI job would type. The demo checks what it claims as
 * it goes, and exits 0 only when every expectation held.
 */
export interface DemoIO {
  /** Narration and the runs' own output. */
  readonly out: OutputStream
  readonly signal: AbortSignal
}

const REPOSITORY = 'acme/fleet'
const TENANTS = ['hongming', 'amara', 'bruno', 'chiara', 'dmitri', 'elif', 'farah', 'goran']
/** Drains its old container before it restarts: settles late, inside the budget. */
const SLOW = 'elif'
const SLOW_RESTART_MS = 2_500
const RESTART_MS = 300
/** Wedged in the last scene: the tenant the incident's error named. */
const STUCK = 'hongming'
const SETTLE_BUDGET = 6
const SETTLE_INTERVAL = 1
const RUN_PREFIX = '   │ '

/** A full 40-hex SHA that starts with the incident's short one. */
const commitOf = (short: string): string => short + createHash('sha1').update(short).digest('hex').slice(short.length)
const BASE = commitOf('b4a5e00')
const OLDER = commitOf('7a72516')
const NEWER = commitOf('7f25373')
const tagOf = (sha: string): string => `staging-${shortSha(sha)}`

interface Stage {
  readonly forge: SimulatedGitHub
  readonly forgeUrl: string
  readonly registry: SimulatedRegistry
  readonly fleet: SimulatedFleet
  readonly token: string
  readonly redeployToken: string
  readonly tenantsFile: string
  readonly historyFile: string
  close(): Promise<void>
}

interface Run {
  readonly code: number
  readonly record: RunRecord | null
  /** What the run printed. */
  readonly output: string
}

export async function runDemo(io: DemoIO): Promise<number> {
  const term = new Terminal(io.out)
  const stage = await startStage()
  const expect = new Expectations(term)
  const records: RunRecord[] = []
  const deploy = async (sha: string, runId: number, extra: readonly [string, string][] = []): Promise<Run> => {
    const run = await runFleetForward(stage, sha, runId, io, term, extra)
    if (run.record) records.push(run.record)
    return run
  }
  try {
    introduce(term, stage)

    term.line('')
    term.line(`1. Two pushes land on main two minutes apart: ${shortSha(OLDER)}, then ${shortSha(NEWER)}. Both deploy jobs run,`)
    term.line('   no `concurrency:` block. The newer job gets going first, in two waves: a canary, then the rest.')
    const latestAtStart = stage.registry.tagState('latest')
    const newer = await deploy(NEWER, 1, [['waves', '1,100%']])
    if (io.signal.aborted) return cancelled(term)
    const newerRecord = newer.record
    expect.check(
      newer.code === 0 && newerRecord?.result === 'deployed',
      `the newer run deployed: exit 0, result deployed`,
      `the newer run ended ${newerRecord?.result ?? 'without a record'} (exit ${newer.code})`
    )
    const waves = newerRecord?.waves ?? []
    expect.check(
      waves.length === 2 && waves[0].tenants === 1 && waves.every((w) => w.result === 'converged') && stage.fleet.redeploys[0] === TENANTS[0],
      `wave 1, the canary (${TENANTS[0]}), verified before wave 2 (${waves[1]?.tenants} tenants) was told to roll`,
      `waves: ${waves.map((w) => `${w.wave}: ${w.tenants} tenant(s) ${w.result}`).join('; ') || 'none recorded'}`
    )
    const onNewer = stage.fleet.snapshot().filter(([, sha]) => sha === NEWER).length
    expect.check(onNewer === TENANTS.length, `the fleet runs ${shortSha(NEWER)}: ${onNewer}/${TENANTS.length} tenants`)
    const slow = newerRecord?.tenants.find((t) => t.name === SLOW)
    expect.check(
      slow?.state === 'converged' && slow.attempts > 1 && slow.seconds_to_converge !== null && slow.seconds_to_converge <= SETTLE_BUDGET,
      `${SLOW} was still draining at the first probe and settled after ${slow?.seconds_to_converge}s (attempt ${slow?.attempts}), inside the ${SETTLE_BUDGET}s budget`,
      `${SLOW}, the slow tenant, ended ${slow?.state ?? 'unknown'} after ${slow?.attempts ?? 0} probe(s)`
    )
    if (newerRecord?.promotion) {
      const latest = stage.registry.tagState('latest')
      expect.check(
        newerRecord.promotion.status === 'promoted' && latest?.revision === NEWER,
        `:latest promoted: ${stage.registry.describeTag('latest')}`,
        `:latest ${newerRecord.promotion.status}: ${stage.registry.describeTag('latest')}`
      )
    } else {
      term.line(`   · ${stage.registry.describeTag('latest')}: this build records no promotion, so :latest is left alone`)
    }
    neverBackward(expect, stage, latestAtStart, 'the newer run')

    term.line('')
    term.line(`2. The older job (${shortSha(OLDER)}) starts now. In the incident this is the job that redeployed the fleet to`)
    term.line(`   ${tagOf(OLDER)} and re-pointed :latest backward, because its guard only protected the verify step.`)
    const latestBefore = stage.registry.tagState('latest')
    const beforeOlder = sideEffects(stage)
    const older = await deploy(OLDER, 2)
    if (io.signal.aborted) return cancelled(term)
    expect.check(
      older.code === 0 && older.record?.result === 'superseded' && older.record.head_sha === NEWER,
      `the older run ended superseded, green (exit 0): branch main is owned by ${shortSha(NEWER)}`,
      `the older run ended ${older.record?.result ?? 'without a record'} (exit ${older.code})`
    )
    touchedNothing(expect, stage, beforeOlder)
    const stillNewer = stage.fleet.snapshot().filter(([, sha]) => sha === NEWER).length
    expect.check(stillNewer === TENANTS.length, `the fleet still runs ${shortSha(NEWER)}: ${stillNewer}/${TENANTS.length} tenants`)
    const latestNow = stage.registry.tagState('latest')
    expect.check(
      latestNow?.digest === latestBefore?.digest && latestNow?.revision !== OLDER,
      `:latest not moved back: ${stage.registry.describeTag('latest')}`,
      `:latest moved during the superseded run: ${stage.registry.describeTag('latest')}`
    )

    term.line('')
    term.line('3. An incident freeze is declared for the next hour (deploy-freezes). A deploy job that runs inside it')
    term.line('   must wait for the freeze to end, touching nothing, and say when that is.')
    const beforeFreeze = sideEffects(stage)
    const frozen = await deploy(NEWER, 3, [['deploy-freezes', freezeAroundNow()]])
    if (io.signal.aborted) return cancelled(term)
    expect.check(
      frozen.code === 0 && frozen.record?.result === 'deferred' && frozen.record.window?.next_open !== null,
      `it ended deferred, green (exit 0), naming when deploys open again: ${frozen.record?.window?.next_open ?? 'unknown'}`,
      `the run in a freeze ended ${frozen.record?.result ?? 'without a record'} (exit ${frozen.code})`
    )
    touchedNothing(expect, stage, beforeFreeze)

    term.line('')
    term.line(`4. A separate run: ${STUCK} is back on ${shortSha(OLDER)} (where the incident's older job left it) and its node`)
    term.line(`   is wedged: it accepts redeploys and never restarts. ${shortSha(NEWER)} is deployed again.`)
    stage.fleet.wedge(STUCK, OLDER)
    const redeploysBefore = stage.fleet.redeploys.length
    const latestBeforeStuck = stage.registry.tagState('latest')
    const stuck = await deploy(NEWER, 4)
    if (io.signal.aborted) return cancelled(term)
    const staleLine = `${STUCK} is stale: actual=${shortSha(OLDER)}, expected=${shortSha(NEWER)}`
    expect.check(
      stuck.code === EXIT_CODES.stale && stuck.record?.result === 'stale' && stuck.output.includes(staleLine),
      `it failed loudly, by name: exit ${EXIT_CODES.stale}, result stale, "${staleLine}"`,
      `the run with a wedged tenant ended ${stuck.record?.result ?? 'without a record'} (exit ${stuck.code}) without "${staleLine}"`
    )
    const rolled = stage.fleet.redeploys.slice(redeploysBefore)
    expect.check(
      rolled.length === 1 && rolled[0] === STUCK,
      `only ${STUCK} was asked to redeploy; the ${TENANTS.length - 1} healthy tenants were not restarted`,
      `redeploy calls: ${rolled.join(', ') || 'none'}`
    )
    neverBackward(expect, stage, latestBeforeStuck, 'the run with a wedged tenant')

    term.line('')
    term.line(`5. The records: one per run, also appended to ${stage.historyFile}`)
    const history = readFileSync(stage.historyFile, 'utf8').trim().split('\n').filter(Boolean)
    expect.check(
      history.length === records.length && history.every((line, i) => (JSON.parse(line) as RunRecord).result === records[i].result),
      `${history.length} history lines: ${records.map((r) => r.result).join(', ')}`,
      `${history.length} history lines for ${records.length} runs`
    )
    records.forEach((record, i) => printRecord(term, record, i + 1))

    term.line('')
    const { held, broken } = expect.counts
    term.line(
      expect.allHeld
        ? `All ${held} expectations held: the canary verified before the rest rolled, the older run touched nothing, the run in a freeze waited, the fleet and :latest never moved backward, the slow tenant settled inside the budget, and the wedged one failed loudly by name.`
        : `${broken} of ${held + broken} expectations did not hold (✘ above).`
    )
    return expect.allHeld ? 0 : EXIT_DEMO_FAILED
  } finally {
    await stage.close()
  }
}

/** Side effects so far: redeploy calls, registry writes, commit statuses. */
function sideEffects(stage: Stage): { redeploys: number; registryWrites: number; statuses: number } {
  return { redeploys: stage.fleet.redeploys.length, registryWrites: stage.registry.writes, statuses: stage.forge.statusWrites }
}

/** A run that must have had no side effect since `before`. */
function touchedNothing(expect: Expectations, stage: Stage, before: ReturnType<typeof sideEffects>): void {
  const now = sideEffects(stage)
  const redeploys = now.redeploys - before.redeploys
  const registryWrites = now.registryWrites - before.registryWrites
  const statuses = now.statuses - before.statuses
  expect.check(
    redeploys === 0 && registryWrites === 0 && statuses === 0,
    'it touched nothing: 0 redeploy calls, 0 registry writes, 0 commit statuses',
    `it had side effects: ${redeploys} redeploy call(s), ${registryWrites} registry write(s), ${statuses} commit status(es)`
  )
}

/** A freeze from an hour ago to an hour from now, in UTC minutes: `2026-12-05T08:15 2026-12-05T10:15 UTC`. */
function freezeAroundNow(): string {
  const minute = (ms: number): string => new Date(ms).toISOString().slice(0, 16)
  const now = systemClock.now()
  return `${minute(now - 3_600_000)} ${minute(now + 3_600_000)} UTC`
}

async function startStage(): Promise<Stage> {
  const token = `demo-forge-${randomBytes(8).toString('hex')}`
  const redeployToken = `demo-redeploy-${randomBytes(8).toString('hex')}`
  const forge = new SimulatedGitHub(REPOSITORY, token).commit(BASE).commit(OLDER, BASE).commit(NEWER, OLDER).setBranch('main', NEWER)
  const registry = new SimulatedRegistry(REPOSITORY)
  for (const sha of [BASE, OLDER, NEWER]) registry.addImage(tagOf(sha), sha)
  registry.retag('latest', tagOf(BASE))
  const fleet = new SimulatedFleet({
    tenants: TENANTS,
    sha: BASE,
    revisionOf: (tag) => registry.tagState(tag)?.revision ?? null,
    token: redeployToken,
    restartMs: RESTART_MS
  })
  fleet.restartsSlowly(SLOW, SLOW_RESTART_MS)
  const [forgeUrl] = await Promise.all([forge.start(), registry.start(), fleet.start()])
  const dir = mkdtempSync(join(tmpdir(), 'fleet-forward-demo-'))
  const tenantsFile = join(dir, 'tenants.txt')
  writeFileSync(tenantsFile, TENANTS.map((name) => `${name} ${fleet.buildinfoUrl(name)}`).join('\n'))
  return {
    forge,
    forgeUrl,
    registry,
    fleet,
    token,
    redeployToken,
    tenantsFile,
    historyFile: join(dir, 'history.jsonl'),
    close: async () => {
      await Promise.all([forge.close(), registry.close(), fleet.close()])
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

function introduce(term: Terminal, stage: Stage): void {
  term.line('fleet-forward demo: the incident of the README (What it prevents), replayed on 127.0.0.1 with the real engine')
  term.line(`  forge     ${stage.forgeUrl}  simulated GitHub API, ${REPOSITORY}: ${shortSha(BASE)} ← ${shortSha(OLDER)} ← ${shortSha(NEWER)} (main)`)
  term.line(`  registry  ${stage.registry.image}  OCI registry: ${[BASE, OLDER, NEWER].map(tagOf).join(', ')}; ${stage.registry.describeTag('latest')}`)
  term.line(`  fleet     ${TENANTS.length} tenants on ${shortSha(BASE)}, ${stage.fleet.buildinfoUrl('<name>').replace('%3Cname%3E', '<name>')}`)
  term.line(`  control   ${stage.fleet.redeployUrl}  restarts a tenant in ${RESTART_MS} ms; ${SLOW} drains for ${SLOW_RESTART_MS / 1000}s first`)
}

/** One `fleet-forward deploy`, exactly as a CI job would run it, its output indented under the narration. */
async function runFleetForward(stage: Stage, sha: string, runId: number, io: DemoIO, term: Terminal, extra: readonly [string, string][]): Promise<Run> {
  const flags: [string, string][] = [
    ['sha', sha],
    ['run-id', String(runId)],
    ['repository', REPOSITORY],
    ['api-url', stage.forgeUrl],
    ['server-url', stage.forgeUrl],
    ['branch', 'main'],
    ['tenants-file', stage.tenantsFile],
    ['redeploy-url', stage.fleet.redeployUrl],
    ['image', stage.registry.image],
    ['settle-budget', String(SETTLE_BUDGET)],
    ['settle-interval', String(SETTLE_INTERVAL)],
    ['history-file', stage.historyFile],
    ...extra
  ]
  printCommand(term, flags)
  let output = ''
  const shown = indented(io.out, RUN_PREFIX)
  const capture: OutputStream = {
    write: (text: string) => {
      output += text
      return shown.write(text)
    },
    get isTTY() {
      return shown.isTTY
    },
    get columns() {
      return shown.columns
    }
  }
  const cli: CliIO = {
    stdout: capture,
    stderr: capture,
    // Only what the demo sets: the user's own FLEET_FORWARD_* or GITHUB_* variables must not leak in.
    env: { FLEET_FORWARD_TOKEN: stage.token, FLEET_FORWARD_REDEPLOY_TOKEN: stage.redeployToken },
    readTextFile: (path) => readFileSync(path, 'utf8'),
    clock: systemClock,
    signal: io.signal
  }
  const { code, record } = await runDeploy(parseInvocation(['deploy', ...flags.flatMap(([name, value]) => [`--${name}`, value])]), cli)
  term.line(`   → exit ${code}`)
  return { code, record, output }
}

function printCommand(term: Terminal, flags: readonly [string, string][]): void {
  // A value with spaces (a freeze entry) is quoted, so the line can be pasted into a shell.
  const words = flags.map(([name, value]) => `--${name} ${/\s/.test(value) ? `'${value}'` : value}`)
  const lines: string[] = []
  let line = '   $ fleet-forward deploy'
  for (const word of words) {
    if (line.length + word.length + 1 > 110) {
      lines.push(`${line} \\`)
      line = `       ${word}`
    } else {
      line = `${line} ${word}`
    }
  }
  lines.push(line)
  for (const text of lines) term.line(text)
  term.line('     (tokens come from FLEET_FORWARD_TOKEN and FLEET_FORWARD_REDEPLOY_TOKEN, never from flags)')
}

/** :latest may stay or move forward, never to an older commit. */
function neverBackward(expect: Expectations, stage: Stage, before: { digest: string; revision: string | null } | null, run: string): void {
  const after = stage.registry.tagState('latest')
  const order = [BASE, OLDER, NEWER]
  const rank = (revision: string | null | undefined): number => order.indexOf(revision ?? '')
  expect.check(
    after?.digest === before?.digest || rank(after?.revision) > rank(before?.revision),
    `:latest never moved backward during ${run}`,
    `:latest moved backward during ${run}: ${stage.registry.describeTag('latest')}`
  )
}

function printRecord(term: Terminal, record: RunRecord, run: number): void {
  const [verdict, ...facts] = renderOutcome(record)
  term.line(`   run ${run} · ${verdict}`)
  for (const line of facts) term.line(`   ${line}`)
  const unsettled = record.tenants.filter((t) => !isSettled(t) && t.state !== 'pending')
  for (const t of unsettled) term.line(`     ${t.name}: ${t.state}, actual=${t.actual ? shortSha(t.actual) : 'none'}, ${t.attempts} probe(s)`)
  if (record.result === 'deployed') {
    for (const line of convergenceTimeline(record).filter((l) => l && !l.startsWith('```'))) term.line(`     ${line}`)
  }
}

function cancelled(term: Terminal): number {
  term.line('demo cancelled; the simulated forge, registry and fleet are shut down')
  return EXIT_CODES.aborted
}
