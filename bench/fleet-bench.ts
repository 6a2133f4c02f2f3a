/**
 * Fleet-scale benchmark, one command (`npm run bench`; bench/run.mjs bundles this file):
 *   1. whole action runs of a bundle (default: the committed dist/) as a runner starts them, process start to
 *      exit, against a fleet whose every tenant is a distinct origin on its own loopback address, over plain
 *      HTTP and over TLS (a test CA passed by NODE_EXTRA_CA_CERTS): time, peak RSS, sockets; with `--health off,on`
 *      also with a health check (health-path /healthz, the default two passes in a row) to show what it costs;
 *   2. forge API calls per run, by fleet size and number of rounds (bench/forge-calls.ts);
 *   3. cold start and size of the bundle (bench/cold-start.ts).
 * The fleet runs in its own process (`fleet` role), so its CPU and memory are not the run's.
 * Bounded: fixed sizes and a watchdog that ends everything after WATCHDOG_MS.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { FakeGitHub } from '../test/support/fake-github.js'
import { NEWER, OLDER } from '../test/support/memory-forge.js'
import { runDist } from '../test/support/run-dist.js'
import { startIncidentForge } from '../test/support/runner-forges.js'
import { bundleSize, measureColdStart } from './cold-start.js'
import { countForgeCalls, type ForgeCallRow } from './forge-calls.js'
import { measureRolloutCost, type RolloutCostCase, type RolloutCostRow } from './rollout-cost.js'
import { startLoopbackFleet, type LoopbackFleetStats } from './loopback-fleet.js'
import { createTestCa } from '../test/support/test-ca.js'

const WATCHDOG_MS = 30 * 60_000
const TOKEN = 'ghs_bench_token'

type Scheme = 'http' | 'https'

interface Args {
  sizes: number[]
  schemes: Scheme[]
  /** Whole runs without (`false`) and with (`true`) a health check. */
  health: boolean[]
  /** Whole runs per size and scheme; the table shows the median (other work on the machine adds noise). */
  repeat: number
  forgeSizes: number[]
  forgeRounds: number[]
  /** Fleet sizes of the safety-proof cost table (both forges, both redeploy kinds). */
  rolloutSizes: number[]
  coldRuns: number
  dist: string
  /** Another build to run alternately with `dist` on the same fleet (an A/B comparison under the same load). */
  compare: string | null
  /** Whole runs only (comparing two bundles): no forge-call count, no cold start. */
  runsOnly: boolean
}

type FleetCommand = { op: 'sha'; sha: string } | { op: 'reset' } | { op: 'stats' }

interface WholeRun {
  ms: number
  result: string
  peakRssMb: number
  fleet: LoopbackFleetStats
}

// ---------------------------------------------------------------- fleet process

async function serveFleet(scheme: Scheme, count: number, caFile: string): Promise<void> {
  const ca = scheme === 'https' ? createTestCa() : null
  if (ca) writeFileSync(caFile, ca.caPem)
  const fleet = await startLoopbackFleet(count, OLDER, ca)
  process.on('message', ({ id, command }: { id: number; command: FleetCommand }) => {
    if (command.op === 'sha') fleet.setSha(command.sha)
    if (command.op === 'reset') fleet.resetStats()
    process.send!({ id, result: command.op === 'stats' ? fleet.stats() : null })
  })
  process.on('disconnect', () => void fleet.close().then(() => process.exit(0)))
  process.send!({ ready: fleet.urls })
}

interface FleetHandle {
  child: ChildProcess
  urls: string[]
  call(command: FleetCommand): Promise<LoopbackFleetStats | null>
}

function startFleetProcess(scheme: Scheme, count: number, caFile: string): Promise<FleetHandle> {
  const child = fork(process.argv[1], ['fleet', scheme, String(count), caFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let nextId = 0
  const pending = new Map<number, (result: LoopbackFleetStats | null) => void>()
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`fleet process exited with ${code}`)))
    child.on('message', (message: { ready?: string[]; id?: number; result?: LoopbackFleetStats | null }) => {
      if (message.ready) {
        const call = (command: FleetCommand): Promise<LoopbackFleetStats | null> =>
          new Promise((done) => {
            const id = nextId++
            pending.set(id, done)
            child.send({ id, command })
          })
        resolve({ child, urls: message.ready, call })
      } else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result ?? null)
        pending.delete(message.id)
      }
    })
  })
}

// ---------------------------------------------------------------- one whole run

/** A control plane that rolls the whole fleet at once and answers once the fleet reports the new commit. */
async function startRollingControlPlane(fleet: FleetHandle): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => {
      const { sha } = JSON.parse(text) as { sha: string }
      void fleet.call({ op: 'sha', sha }).then(() => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/roll`,
    close: () => new Promise((done) => server.close(() => done()))
  }
}

async function wholeRun(fleet: FleetHandle, dist: string, scratch: string, caFile: string, scheme: Scheme, health: boolean): Promise<WholeRun> {
  await fleet.call({ op: 'sha', sha: OLDER })
  await fleet.call({ op: 'reset' })
  const forge = await startIncidentForge(new FakeGitHub({ token: TOKEN }))
  const controlPlane = await startRollingControlPlane(fleet)
  const tenantsFile = join(scratch, 'tenants.txt')
  writeFileSync(tenantsFile, fleet.urls.map((url, i) => `t${i} ${url}`).join('\n'))
  const rssFile = join(scratch, 'peak-rss')
  writeFileSync(rssFile, '')
  try {
    const started = performance.now()
    const run = await runDist({
      distDir: dist,
      inputs: {
        token: TOKEN,
        branch: 'main',
        sha: NEWER,
        'tenants-file': tenantsFile,
        'redeploy-url': controlPlane.url,
        'settle-budget': '120',
        'settle-interval': '1',
        ...(health ? { 'health-path': '/healthz' } : {})
      },
      env: {
        GITHUB_REPOSITORY: 'acme/fleet',
        GITHUB_RUN_ID: '1',
        GITHUB_SHA: NEWER,
        GITHUB_API_URL: forge.apiUrl,
        GITHUB_SERVER_URL: forge.url,
        NODE_OPTIONS: `--require ${join(scratch, 'peak-rss.cjs')}`,
        FF_BENCH_RSS_FILE: rssFile,
        ...(scheme === 'https' ? { NODE_EXTRA_CA_CERTS: caFile } : {})
      }
    })
    const ms = performance.now() - started
    rmSync(run.dir, { recursive: true, force: true })
    if (run.code !== 0)
      console.log(
        `warning: run exited ${run.code}: ${run.stdout
          .split('\n')
          .filter((l) => l.startsWith('::error'))
          .slice(0, 3)
          .join(' ')}`
      )
    return {
      ms,
      result: run.outputs.result ?? `exit ${run.code}`,
      peakRssMb: Number(readFileSync(rssFile, 'utf8')) / 1024,
      fleet: (await fleet.call({ op: 'stats' }))!
    }
  } finally {
    await Promise.all([forge.close(), controlPlane.close()])
  }
}

// ---------------------------------------------------------------- orchestrator

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string, fallback: string): string => {
    const i = argv.indexOf(flag)
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback
  }
  return {
    // `--sizes none`: no whole runs (forge calls and cold start only).
    sizes: value('--sizes', '1000,10000')
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    schemes: value('--schemes', 'http,https').split(',') as Scheme[],
    health: value('--health', 'off')
      .split(',')
      .map((mode) => mode === 'on'),
    repeat: Number(value('--repeat', '3')),
    forgeSizes: value('--forge-sizes', '10,100,1000,10000').split(',').map(Number),
    forgeRounds: value('--forge-rounds', '1,3,6').split(',').map(Number),
    rolloutSizes: value('--rollout-sizes', '10,1000,10000')
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    coldRuns: Number(value('--cold-runs', '15')),
    dist: resolve(value('--dist', 'dist')),
    compare: argv.includes('--compare') ? resolve(value('--compare', '')) : null,
    runsOnly: argv.includes('--runs-only')
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const ms = (value: number): string => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`)
const count = (n: number): string => n.toLocaleString('en-US')

async function orchestrate(args: Args): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'fleet-forward-bench-'))
  writeFileSync(
    join(scratch, 'peak-rss.cjs'),
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.FF_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))\n"
  )
  const children: ChildProcess[] = []
  const watchdog = setTimeout(() => {
    console.error(`benchmark exceeded ${WATCHDOG_MS / 1000} s; stopping`)
    children.forEach((child) => child.kill())
    process.exit(2)
  }, WATCHDOG_MS)
  try {
    console.log(`# fleet-forward benchmark\n`)
    console.log(
      `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}; load average at start ${loadavg()[0].toFixed(2)}.`
    )
    console.log(`Bundle: ${args.dist}${args.compare ? `, alternating with ${args.compare}` : ''}.\n`)
    if (args.sizes.length > 0) await printWholeRuns(args, scratch, children)
    if (args.runsOnly) return
    await printForgeCalls(args)
    await printRolloutCost(args)
    await printColdStart(args)
  } finally {
    clearTimeout(watchdog)
    rmSync(scratch, { recursive: true, force: true })
  }
}

async function printWholeRuns(args: Args, scratch: string, children: ChildProcess[]): Promise<void> {
  const caFile = join(scratch, 'ca.pem')
  const rows: string[][] = []
  const bundles = args.compare ? [args.dist, args.compare] : [args.dist]
  for (const scheme of args.schemes) {
    for (const n of args.sizes) {
      const fleet = await startFleetProcess(scheme, n, caFile)
      children.push(fleet.child)
      for (const health of args.health) {
        const runs = new Map<string, WholeRun[]>(bundles.map((dist) => [dist, []]))
        for (let i = 0; i < args.repeat; i++) {
          for (const dist of bundles) runs.get(dist)!.push(await wholeRun(fleet, dist, scratch, caFile, scheme, health))
        }
        for (const [dist, done] of runs) rows.push(wholeRunRow(args, dist, scheme, n, health, done))
      }
      fleet.child.disconnect()
    }
  }
  console.log(`## Whole action runs, every tenant its own origin (median of ${args.repeat}, min–max)\n`)
  printTable(
    [
      ...(args.compare ? ['bundle'] : []),
      'scheme',
      'tenants',
      'health check',
      'process start → exit',
      'result',
      'buildinfo GETs',
      'health GETs',
      'connections opened',
      'max open at once',
      'peak RSS'
    ],
    rows
  )
  console.log(
    '\nEach run: `node dist/index.js` as a runner starts it (INPUT_* variables, a tenants file), against a fake GitHub API and a' +
      ' control plane on 127.0.0.1; the plan reads every tenant, one webhook rolls the fleet, one verify round finds it converged' +
      ' (with a health check, a second round one settle-interval (1 s) later finds it healthy, and the verdict reads it again).' +
      ' Connections are counted by the fleet.'
  )
}

function wholeRunRow(args: Args, dist: string, scheme: Scheme, n: number, health: boolean, done: readonly WholeRun[]): string[] {
  const times = done.map((r) => r.ms)
  return [
    ...(args.compare ? [dist] : []),
    scheme === 'https' ? 'TLS' : 'HTTP',
    count(n),
    health ? '`/healthz`' : '–',
    `${ms(median(times))} (${ms(Math.min(...times))}–${ms(Math.max(...times))})`,
    [...new Set(done.map((r) => r.result))].join('/'),
    count(median(done.map((r) => r.fleet.requests))),
    count(median(done.map((r) => r.fleet.healthRequests))),
    count(median(done.map((r) => r.fleet.connectionsOpened))),
    String(Math.max(...done.map((r) => r.fleet.maxConnections))),
    `${Math.round(median(done.map((r) => r.peakRssMb)))} MB`
  ]
}

async function printForgeCalls(args: Args): Promise<void> {
  const rows: ForgeCallRow[] = []
  for (const rounds of args.forgeRounds) for (const n of args.forgeSizes) rows.push(await countForgeCalls(n, rounds))
  console.log('\n## Forge API calls per run (real pipeline, GitHub adapter, lock on, fleet pulls on its own)\n')
  printTable(
    ['tenants', 'fleet converges in round', 'result', 'verify rounds', 'requests (304s included)', '304 Not Modified', 'branch-head reads', 'compare'],
    rows.map((r) => [
      count(r.tenants),
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
  console.log(
    `\nRequests of the last run by endpoint: ${Object.entries(sample.byEndpoint)
      .map(([k, v]) => `\`${k.trim()}\` ${v}`)
      .join(', ')}.`
  )
}

async function printRolloutCost(args: Args): Promise<void> {
  const cases: RolloutCostCase[] = []
  for (const forge of ['github', 'gitea'] as const) {
    for (const tenants of args.rolloutSizes) {
      for (const redeploy of ['webhook', 'per-tenant'] as const) cases.push({ forge, tenants, redeploy, maxParallel: 16, controlPlaneMs: 20 })
    }
  }
  for (const maxParallel of [1, 16]) cases.push({ forge: 'github', tenants: 1000, redeploy: 'per-tenant', maxParallel, controlPlaneMs: 20 })
  const rows: RolloutCostRow[] = []
  for (const c of cases) rows.push(await measureRolloutCost(c))
  console.log('\n## What the safety proof costs the forge (real pipeline, real clock, lock on, control plane answers in 20 ms)\n')
  printTable(
    ['forge', 'tenants', 'redeploy', 'max-parallel', 'result', 'run', 'redeploy calls', 'forge reads', 'of them 304', 'forge writes', 'lock tags (Gitea)'],
    rows.map((r) => [
      r.forge,
      count(r.tenants),
      r.redeploy === 'webhook' ? 'one webhook' : '`{tenant}` calls',
      String(r.maxParallel),
      r.result,
      `${r.seconds.toFixed(1)} s`,
      count(r.controlPlaneCalls),
      String(r.reads),
      String(r.notModified),
      String(r.writes),
      r.forge === 'gitea' ? String(r.lockTags) : '–'
    ])
  )
}

async function printColdStart(args: Args): Promise<void> {
  const size = bundleSize(args.dist)
  const cold = await measureColdStart(args.dist, args.coldRuns)
  const spreadOf = (v: number[]): string => `${ms(median(v))} (${ms(Math.min(...v))}–${ms(Math.max(...v))})`
  console.log(`\n## Cold start of the bundle (spawn → first forge request, ${args.coldRuns} runs; load average now ${loadavg()[0].toFixed(2)})\n`)
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

const [role, ...rest] = process.argv.slice(2)
if (role === 'fleet') await serveFleet(rest[0] as Scheme, Number(rest[1]), rest[2])
else await orchestrate(parseArgs(process.argv.slice(2)))
