/**
 * Fleet-scale benchmark (issue 6), one command (`npm run bench`; bench/run.mjs bundles this file):
 *   1. one verify round against a local fleet on 127.0.0.1, side by side with the sequential `curl` loop
 *      shell deploy scripts use;
 *   2. verdict latency of a fleet converging mid-budget;
 *   3. forge API calls per run, by fleet size and number of rounds (bench/forge-calls.ts);
 *   4. cold start and size of the committed bundle dist/ (bench/cold-start.ts).
 * Verify runs in three processes, so neither side's CPU or memory is counted against the other:
 *   - the orchestrator (this file, no argument) prints the tables;
 *   - `server`: the fleet (bench/lean-fleet.ts), one port for every tenant;
 *   - `client`: runs one scenario through the real settleFleet and reports its timings and peak RSS.
 * Bounded: fixed sizes, a curl sample, and a watchdog that ends everything after WATCHDOG_MS.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Logger, Tenant } from '../src/core/types.js'
import { DEFAULT_SHA_FIELDS } from '../src/fleet/buildinfo.js'
import { createFleetProber } from '../src/fleet/prober.js'
import { settleFleet } from '../src/stages/verify.js'
import { systemClock } from '../src/util/clock.js'
import { bundleSize, measureColdStart } from './cold-start.js'
import { countForgeCalls, type ForgeCallRow } from './forge-calls.js'
import { startLeanFleet, type LeanFleetStats as FleetStats } from './lean-fleet.js'

const EXPECTED = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const OLDER = '7a72516bb1b2c3d4e5f60718293a4b5c6d7e8f90'
const WATCHDOG_MS = 10 * 60_000

interface Args {
  sizes: number[]
  /** Fresh verify processes per size; the table shows the median (other work on the machine adds noise). */
  repeat: number
  curlSample: number
  latencyTenants: number
  latencyTrials: number
  forgeSizes: number[]
  forgeRounds: number[]
  coldRuns: number
  dist: string
}

type ServerCommand =
  | { op: 'converge'; names: string[]; at: number[] }
  | { op: 'reset' }
  | { op: 'stats' }

type ClientScenario =
  | { kind: 'round'; origin: string; names: string[] }
  | { kind: 'latency'; origin: string; names: string[]; intervalSeconds: number }

interface RoundResult {
  coldMs: number
  warmMs: number
  outcome: string
  peakRssMb: number
}

interface LatencyResult {
  verdictAt: number
  outcome: string
  rounds: number
  peakRssMb: number
}

const silentLog: Logger = { info: () => undefined, warning: () => undefined, error: () => undefined, group: (_t, body) => body() }
const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const tenantsAt = (origin: string, list: readonly string[]): Tenant[] =>
  list.map((name) => ({ name, url: `${origin}/t/${name}/buildinfo` }))
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024

// ---------------------------------------------------------------- server process

async function serve(): Promise<void> {
  const fleet = await startLeanFleet(EXPECTED)
  process.on('message', (message: { id: number; command: ServerCommand }) => {
    const { id, command } = message
    let result: FleetStats | null = null
    if (command.op === 'converge') {
      fleet.converge(command.names, command.at, OLDER, EXPECTED)
    } else if (command.op === 'reset') {
      fleet.resetStats()
    } else {
      result = fleet.stats()
    }
    process.send!({ id, result })
  })
  process.on('disconnect', () => void fleet.close().then(() => process.exit(0)))
  process.send!({ ready: fleet.origin })
}

// ---------------------------------------------------------------- client process

async function client(): Promise<void> {
  const scenario = await new Promise<ClientScenario>((resolve) => process.once('message', resolve))
  const tenants = tenantsAt(scenario.origin, scenario.names)
  const settle = (intervalSeconds: number, budgetSeconds: number) =>
    settleFleet({
      tenants,
      expectedSha: EXPECTED,
      shaFields: DEFAULT_SHA_FIELDS,
      budgetSeconds,
      intervalSeconds,
      allowRollback: false,
      clock: systemClock,
      compare: async () => 'behind',
      stillOwner: async () => true,
      log: silentLog
    })

  if (scenario.kind === 'round') {
    const started = performance.now()
    const outcome = await settle(20, 60)
    const coldMs = performance.now() - started
    // A later round over the same prober: connections are already open (keep-alive across rounds).
    const prober = createFleetProber(tenants, DEFAULT_SHA_FIELDS)
    await prober.probe(tenants, () => undefined)
    const warmStarted = performance.now()
    await prober.probe(tenants, () => undefined)
    const warmMs = performance.now() - warmStarted
    await prober.close()
    const result: RoundResult = { coldMs, warmMs, outcome: outcome.outcome, peakRssMb: peakRssMb() }
    process.send!(result)
  } else {
    const outcome = await settle(scenario.intervalSeconds, 60)
    const result: LatencyResult = { verdictAt: Date.now(), outcome: outcome.outcome, rounds: outcome.rounds, peakRssMb: peakRssMb() }
    process.send!(result)
  }
  process.disconnect()
}

// ---------------------------------------------------------------- orchestrator

function startServer(): Promise<{ child: ChildProcess; origin: string; call: (c: ServerCommand) => Promise<FleetStats | null> }> {
  const child = fork(process.argv[1], ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let nextId = 0
  const pending = new Map<number, (result: FleetStats | null) => void>()
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.on('message', (message: { ready?: string; id?: number; result?: FleetStats | null }) => {
      if (message.ready) {
        resolve({
          child,
          origin: message.ready,
          call: (command) =>
            new Promise((done) => {
              const id = nextId++
              pending.set(id, done)
              child.send({ id, command })
            })
        })
      } else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result ?? null)
        pending.delete(message.id)
      }
    })
  })
}

function runClient<T>(scenario: ClientScenario): Promise<T> {
  const child = fork(process.argv[1], ['client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as T))
    child.once('error', reject)
    child.once('exit', (code) => code !== 0 && reject(new Error(`benchmark client exited with ${code}`)))
    child.send(scenario)
  })
}

/** The shell way: one curl after another. Returns milliseconds for `list` and how many answered. */
function curlLoop(origin: string, list: readonly string[], scratch: string): { ms: number; ok: number } {
  const file = join(scratch, 'urls.txt')
  writeFileSync(file, tenantsAt(origin, list).map((t) => t.url).join('\n') + '\n')
  const script = 'ok=0; while IFS= read -r u; do curl -s -m 5 "$u" > /dev/null && ok=$((ok+1)); done < "$1"; echo $ok'
  const started = performance.now()
  const run = spawnSync('bash', ['-c', script, 'bash', file], { encoding: 'utf8', timeout: 5 * 60_000 })
  return { ms: performance.now() - started, ok: Number(run.stdout.trim()) }
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string, fallback: string): string => {
    const i = argv.indexOf(flag)
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback
  }
  return {
    sizes: value('--sizes', '100,1000,10000').split(',').map(Number),
    repeat: Number(value('--repeat', '5')),
    curlSample: Number(value('--curl-sample', '1000')),
    latencyTenants: Number(value('--latency-tenants', '1000')),
    latencyTrials: Number(value('--latency-trials', '3')),
    forgeSizes: value('--forge-sizes', '10,100,1000,10000').split(',').map(Number),
    forgeRounds: value('--forge-rounds', '1,3,6').split(',').map(Number),
    coldRuns: Number(value('--cold-runs', '15')),
    dist: resolve(value('--dist', 'dist'))
  }
}

/** Deterministic spread of convergence times, so runs are comparable. */
function spread(count: number, seed: number, widthMs: number): number[] {
  let state = seed
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return Math.floor((state / 2 ** 31) * widthMs)
  })
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const ms = (value: number): string => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`)

async function orchestrate(args: Args): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'fleet-forward-curl-'))
  const server = await startServer()
  const watchdog = setTimeout(() => {
    console.error(`benchmark exceeded ${WATCHDOG_MS / 1000} s; stopping`)
    server.child.kill()
    process.exit(2)
  }, WATCHDOG_MS)
  try {
    console.log(`# fleet-forward benchmark\n`)
    console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}.`)
    console.log(
      'Fleet: one local server process on 127.0.0.1 (a minimal HTTP/1.1 server, bench/lean-fleet.ts); verify runs in its own' +
        " process (peak RSS is that process's). Other work on the machine adds noise: medians are shown.\n"
    )

    const rows: string[][] = []
    for (const n of args.sizes) {
      const list = names(`r${n}-`, n)
      const runs: RoundResult[] = []
      let maxSockets = 0
      for (let run = 0; run < args.repeat; run++) {
        await server.call({ op: 'reset' })
        runs.push(await runClient<RoundResult>({ kind: 'round', origin: server.origin, names: list }))
        maxSockets = Math.max(maxSockets, (await server.call({ op: 'stats' }))!.maxConnections)
      }
      const round: RoundResult = {
        coldMs: median(runs.map((r) => r.coldMs)),
        warmMs: median(runs.map((r) => r.warmMs)),
        outcome: [...new Set(runs.map((r) => r.outcome))].join('/'),
        peakRssMb: Math.max(...runs.map((r) => r.peakRssMb))
      }
      const sample = list.slice(0, Math.min(n, args.curlSample))
      const curl = curlLoop(server.origin, sample, scratch)
      const curlMs = (curl.ms / sample.length) * n
      const curlNote = sample.length < n ? ` (${sample.length} measured, extrapolated)` : ''
      rows.push([
        n.toLocaleString('en-US'),
        `${ms(round.coldMs)} (${round.outcome})`,
        ms(round.warmMs),
        `${ms(curlMs)}${curlNote}`,
        `${Math.round(curlMs / round.coldMs)}× / ${Math.round(curlMs / round.warmMs)}×`,
        String(maxSockets),
        `${Math.round(round.peakRssMb)} MB`
      ])
      if (curl.ok !== sample.length) console.log(`warning: curl loop got ${curl.ok}/${sample.length} answers`)
    }
    console.log(`## One verify round vs a sequential curl loop (median of ${args.repeat} fresh processes)\n`)
    printTable(
      ['tenants', 'verify round, first (verdict)', 'verify round, keep-alive', 'sequential curl loop', 'ratio (first / keep-alive)', 'max open sockets (server-side)', 'verify peak RSS'],
      rows
    )

    const latencyRows: string[][] = []
    for (let trial = 0; trial < args.latencyTrials; trial++) {
      const list = names(`l${trial}-`, args.latencyTenants)
      // Convergence starts after the client is up and spreads over 3 s, landing anywhere inside an interval.
      const base = Date.now() + 1_500
      const at = spread(list.length, trial + 1, 3_000).map((offset) => base + offset)
      await server.call({ op: 'converge', names: list, at })
      const lastConverged = Math.max(...at)
      const result = await runClient<LatencyResult>({ kind: 'latency', origin: server.origin, names: list, intervalSeconds: 1 })
      latencyRows.push([
        String(trial + 1),
        args.latencyTenants.toLocaleString('en-US'),
        '1 s',
        `${result.outcome} after ${result.rounds} rounds`,
        ms(result.verdictAt - lastConverged)
      ])
    }
    console.log('\n## Verdict latency (fleet converging mid-budget, real clock)\n')
    printTable(['trial', 'tenants', 'interval', 'verdict', 'last tenant converged → verdict'], latencyRows)
    console.log(
      '\n"first" is a fresh process: connections opened and code not yet optimized; "keep-alive" is a later round over the' +
        ' same connections. Peak RSS is the worst run.' +
        ' The curl loop runs `curl -s -m 5 "$url"` per tenant, one after another, as shell deploy scripts do.' +
        ' Latency target: ≤ one interval + 1 s.'
    )
    await printForgeCalls(args)
    await printColdStart(args)
  } finally {
    clearTimeout(watchdog)
    server.child.disconnect()
    rmSync(scratch, { recursive: true, force: true })
  }
}

async function printForgeCalls(args: Args): Promise<void> {
  const rows: ForgeCallRow[] = []
  for (const rounds of args.forgeRounds) for (const n of args.forgeSizes) rows.push(await countForgeCalls(n, rounds))
  console.log('\n## Forge API calls per run (real pipeline, GitHub adapter, lock on, fleet pulls on its own)\n')
  printTable(
    ['tenants', 'fleet converges in round', 'result', 'verify rounds', 'requests (304s included)', '304 Not Modified', 'branch-head reads', 'compare'],
    rows.map((r) => [
      r.tenants.toLocaleString('en-US'),
      String(r.convergedInRound),
      r.result,
      String(r.rounds),
      String(r.requests),
      String(r.notModified),
      String(r.byEndpoint['GET /git/ref/heads/main'] ?? 0),
      String(r.byEndpoint['GET /compare/{sha}...{sha}'] ?? 0)
    ])
  )
  const sample = rows[rows.length - 1]
  console.log(`\nRequests of the last run by endpoint: ${Object.entries(sample.byEndpoint).map(([k, v]) => `\`${k.trim()}\` ${v}`).join(', ')}.`)
}

async function printColdStart(args: Args): Promise<void> {
  const size = bundleSize(args.dist)
  const cold = await measureColdStart(args.dist, args.coldRuns)
  const spreadOf = (v: number[]): string => `${ms(median(v))} (${ms(Math.min(...v))}–${ms(Math.max(...v))})`
  console.log(`\n## Cold start of the committed bundle (spawn → first forge request, ${args.coldRuns} runs)\n`)
  printTable(
    ['process', 'median (min–max)'],
    [
      ['`node dist/index.js` with INPUT_* set (first request: the branch head read)', spreadOf(cold.bundleMs)],
      ['bare `node -e` sending one request (the floor of the machine)', spreadOf(cold.bareNodeMs)]
    ]
  )
  const loadedBytes = size.loaded.reduce((sum, f) => sum + f.bytes, 0)
  console.log('\n## Bundle size\n')
  printTable(
    ['what', 'bytes'],
    [
      ['all of dist/', `${(size.totalBytes / 1024).toFixed(0)} KiB`],
      ['loaded by dist/index.js', `${(loadedBytes / 1024).toFixed(0)} KiB`],
      ...size.loaded.map((f) => [`  ${f.file}`, `${(f.bytes / 1024).toFixed(1)} KiB`])
    ]
  )
}

function printTable(header: readonly string[], rows: readonly string[][]): void {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

const role = process.argv[2]
if (role === 'server') await serve()
else if (role === 'client') await client()
else await orchestrate(parseArgs(process.argv.slice(2)))
