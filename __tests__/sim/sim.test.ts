import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SimSummary } from '../../test/sim/cli.js'
import {
  FALSE_GREEN,
  INCIDENT,
  INCIDENT_FAIL_OPEN,
  INCIDENT_FAIL_OPEN_AFTER_HOLDER,
  INCIDENT_FAIL_OPEN_AFTER_RELEASE,
  INCIDENT_FAIL_OPEN_CHAIN,
  INCIDENT_FAIL_OPEN_FALLBACK,
  INCIDENT_OVERLAP,
  MAX_FORGE_WRITES_PER_RUN,
  simulate,
  type Reach,
  type SimOptions
} from '../../test/sim/simulate.js'
import { MUTANTS } from '../../test/sim/mutants.mjs'
import { staleMutations } from '../../test/sim/mutate.mjs'

/** The seeds the suite explores on every run, in two bundled processes; `npm run sim -- --seeds 10000` explores more. */
const SEEDS = 200
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Schedules among SEEDS that must reach each path (REACHED in test/sim/simulate.ts): a checker whose
 * path is never taken proves nothing. About half of what seeds 1–200 reach (README, Simulation), so a
 * change in the schedule draws does not break them, while a path that stops being reached does.
 */
const REACH_AT_LEAST: Readonly<Record<Reach, number>> = {
  'redeploy sent': 80,
  'registry write': 35,
  'success status written': 55,
  'failure status written': 30,
  'deployment created': 38,
  'lock taken over after a lease': 3,
  'lock claim not confirmed': 13,
  'lock released by the post step': 23,
  'gate blocked': 33,
  'gate passed': 19,
  'dispatch of an earlier release': 1,
  'halted wave': 18,
  'fail-open run': 53,
  'superseded run': 65,
  'regression caught at the verdict': 25,
  'forge rate-limited a request': 46,
  'forge write answer lost': 22,
  'run refused by the forge': 12,
  'run killed holding the lock': 12,
  'large fleet': 10
}

/** The first seed from 1 whose schedule violates an invariant in a way matching `kind`, within `limit` seeds. */
async function firstViolation(options: Omit<SimOptions, 'seed'>, kind: RegExp, limit: number): Promise<{ seed: number; line: string } | null> {
  for (let seed = 1; seed <= limit; seed++) {
    const line = (await simulate({ ...options, seed })).violations.find((v) => kind.test(v))
    if (line) return { seed, line }
  }
  return null
}

/** `npm run sim` as a user runs it: bundled by test/sim/run.mjs (which applies a mutant). */
function runSim(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'test/sim/run.mjs'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` })
    })
  })
}

describe(`seeded simulation of overlapping runs (test/sim): seeds 1–${SEEDS}`, () => {
  let summary: SimSummary

  beforeAll(async () => {
    const { code, out } = await runSim(['--build-all'])
    if (code !== 0) throw new Error(`building the simulation bundles failed:\n${out}`)
    // Two processes, one per core: the first and the second half of the seeds.
    const half = Math.ceil(SEEDS / 2)
    const parts = await Promise.all([
      runSim(['--seeds', String(half), '--json']),
      runSim(['--from', String(half + 1), '--seeds', String(SEEDS - half), '--json'])
    ])
    const [a, b] = parts.map(({ out }) => {
      const line = out.split('\n').find((l) => l.startsWith('JSON '))
      if (!line) throw new Error(`the simulation printed no summary:\n${out.slice(-4000)}`)
      return JSON.parse(line.slice('JSON '.length)) as SimSummary
    })
    summary = {
      schedules: a!.schedules + b!.schedules,
      runs: a!.runs + b!.runs,
      violations: [...a!.violations, ...b!.violations],
      reached: Object.fromEntries(Object.keys(REACH_AT_LEAST).map((k) => [k, a!.reached[k as Reach] + b!.reached[k as Reach]])) as Record<Reach, number>,
      writes: { small: Math.max(a!.writes.small, b!.writes.small), large: Math.max(a!.writes.large, b!.writes.large) },
      largest: Math.max(a!.largest, b!.largest)
    }
    // A shared machine may run them slowly; on two idle cores they take about 20 s.
  }, 600_000)

  it(`holds every invariant over ${SEEDS} random schedules with combined faults, dying runs, both forges and fleets up to 1,000 tenants`, () => {
    expect(summary.violations).toEqual([])
    expect(summary.schedules).toBe(SEEDS)
    expect(summary.runs).toBeGreaterThan(SEEDS)
  })

  it('reaches every side effect and fault path in enough schedules', () => {
    const short = Object.entries(REACH_AT_LEAST)
      .filter(([kind, least]) => summary.reached[kind as Reach] < least)
      .map(([kind, least]) => `${kind}: ${summary.reached[kind as Reach]} schedule(s), expected at least ${least}`)
    expect(short).toEqual([])
  })

  it('a proof of ownership costs no more forge writes in a fleet of up to 1,000 tenants than in a fleet of 3', () => {
    expect(summary.largest).toBeGreaterThanOrEqual(500)
    expect(summary.writes.large).toBeLessThanOrEqual(MAX_FORGE_WRITES_PER_RUN)
    expect(summary.writes.large).toBeLessThanOrEqual(summary.writes.small)
  })
})

describe('seeded simulation of overlapping runs (test/sim): named cases', () => {
  it('is deterministic: a seed replays the same schedule, event for event', async () => {
    const first = await simulate({ seed: 3 })
    const second = await simulate({ seed: 3 })
    expect(second.trace).toEqual(first.trace)
    expect(second.steps).toBe(first.steps)
  })

  it('detects what the lock prevents: without it, runs interleave their side effects', async () => {
    const found = await firstViolation({ lock: false }, /inside its side-effect section/, 5)
    expect(found?.line).toMatch(/run \d+ \(\w+\) sent .* while run \d+ \(\w+\) is inside its side-effect section/)
  })

  it('replays the incident: the newer run verifies, the older run starts after and is superseded with no side effect', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT, faults: false })
    expect(result.violations).toEqual([])
    const [older, newer] = [result.runs.find((r) => r.sha.startsWith('7a72516'))!, result.runs.find((r) => r.sha.startsWith('7f25373'))!]
    expect(newer.record).toMatchObject({ result: 'deployed', message: 'deployed staging-7f25373: 3/3 tenants report 7f25373' })
    expect(older.record?.result).toBe('superseded')
    expect(older.record?.message).toContain("owned by 7f25373 (ahead of this run's 7a72516)")
    expect(result.trace.filter((line) => line.includes('control plane: run 1') || line.includes('registry: run 1'))).toEqual([])
    expect(result.trace.some((line) => / tenant hongming now runs 7a72516/.test(line))).toBe(false)
  })

  it('the incident with overlapping runs: the newer run waits for the lock, the older one is superseded between verify rounds', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_OVERLAP, faults: false })
    expect(result.violations).toEqual([])
    const older = result.runs.find((r) => r.sha.startsWith('7a72516'))!
    const newer = result.runs.find((r) => r.sha.startsWith('7f25373'))!
    expect(newer.record?.result).toBe('deployed')
    expect(['superseded', 'deployed']).toContain(older.record?.result)
    expect(result.trace.some((line) => line.includes("[run 2] waiting for lock 'production': held by https://github.com/acme/fleet/actions/runs/101"))).toBe(
      true
    )
  })

  it('the incident failing open: the older run with the head unreadable rolls back no tenant that blipped at its planning probe', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_FAIL_OPEN, faults: false })
    expect(result.violations).toEqual([])
    expect(result.trace.some((line) => line.includes('tenant hongming answers 500'))).toBe(true)
    expect(result.trace.some((line) => / tenant hongming now runs 7a72516/.test(line))).toBe(false)
  })

  it('the incident failing open while a tenant has fallen back for a moment: the older run rolls nothing, since the others run a newer commit', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_FAIL_OPEN_FALLBACK, faults: false })
    expect(result.violations).toEqual([])
    expect(result.trace.some((line) => line.includes('tenant hongming regresses'))).toBe(true)
    // 7f25373 was deployed by hand: the lock names no newer run, and only the fleet's newer commit holds the run back.
    expect(result.trace.some((line) => line.includes("[run 1] lock 'production' acquired") && !line.includes(' released by '))).toBe(true)
    expect(result.trace.some((line) => line.includes('[run 1] warning: not redeploying any tenant') && line.includes('already run a newer commit'))).toBe(true)
    expect(result.trace.some((line) => / tenant hongming now runs 7a72516/.test(line))).toBe(false)
  })

  it('the incident failing open after the newer run died with its rollouts landing: the older run that waited on it rolls nothing', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_FAIL_OPEN_AFTER_HOLDER, faults: false })
    expect(result.violations).toEqual([])
    expect(
      result.trace.some((line) => line.includes("[run 1] lock 'production' acquired") && line.includes('after https://github.com/acme/fleet/actions/runs/102'))
    ).toBe(true)
    expect(
      result.trace.some((line) => line.includes('[run 1] warning: not redeploying any tenant') && line.includes('the run that held the lock before it'))
    ).toBe(true)
    expect(result.trace.some((line) => / tenant \w+ now runs 7a72516/.test(line))).toBe(false)
  })

  it("the incident failing open after the post step released the dead newer run's lock: the release names that run, and the older run rolls nothing", async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_FAIL_OPEN_AFTER_RELEASE, faults: false })
    expect(result.violations).toEqual([])
    const released = result.trace.findIndex((line) => line.includes("[run 2] lock 'production' released by the post step"))
    const acquired = result.trace.findIndex(
      (line) =>
        line.includes("[run 1] lock 'production' acquired") && line.includes(', released by https://github.com/acme/fleet/actions/runs/102 (commit 7f25373)')
    )
    // Run 1 first read the lock after the release: it never waited on run 2.
    expect(released).toBeGreaterThanOrEqual(0)
    expect(acquired).toBeGreaterThan(released)
    expect(result.trace.some((line) => line.includes('[run 1] waiting for lock'))).toBe(false)
    expect(
      result.trace.some((line) => line.includes('[run 1] warning: not redeploying any tenant') && line.includes('the run that held the lock before it'))
    ).toBe(true)
    expect(result.trace.some((line) => / tenant \w+ now runs 7a72516/.test(line))).toBe(false)
  })

  it('a chain of releases keeps the dead newer run: the re-run of the older commit, after the first run of it died at its plan, rolls nothing', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_FAIL_OPEN_CHAIN, faults: false })
    expect(result.violations).toEqual([])
    // The lock the re-run takes was released by a run of its own commit, which had learned of run 102.
    expect(
      result.trace.some(
        (line) =>
          line.includes("[run 3] lock 'production' acquired") && line.includes(', released by https://github.com/acme/fleet/actions/runs/101 (commit 7a72516)')
      )
    ).toBe(true)
    expect(
      result.trace.some(
        (line) =>
          line.includes('[run 3] warning: not redeploying any tenant') && line.includes('(https://github.com/acme/fleet/actions/runs/102, commit 7f25373)')
      )
    ).toBe(true)
    expect(result.trace.some((line) => / tenant \w+ now runs 7a72516/.test(line))).toBe(false)
  })

  it('a false green is not written: a tenant that regressed after converging and one that failed after planning make the run red, naming both', async () => {
    const result = await simulate({ seed: 0, script: FALSE_GREEN, faults: false })
    expect(result.violations).toEqual([])
    const record = result.runs[0]!.record!
    expect(record.result).toBe('stale')
    expect(
      record.tenants
        .filter((t) => t.state !== 'converged')
        .map((t) => t.name)
        .sort()
    ).toEqual(['bo', 'hongming'])
    expect(result.trace.some((line) => line.includes('recorded success'))).toBe(false)
  })
})

describe('the checker finds every rule switched off (test/sim/mutants.mjs)', () => {
  // Every bundle at once, in parallel, or from the cache when the sources did not change: the tests below only run them.
  beforeAll(async () => {
    const { code, out } = await runSim(['--build-all'])
    if (code !== 0) throw new Error(`building the simulation bundles failed:\n${out}`)
  }, 120_000)

  it('refuses to run when a mutation no longer finds its text', () => {
    expect(staleMutations(MUTANTS, ROOT)).toEqual([])
    const rotten = [{ ...MUTANTS[0]!, find: 'text the source no longer contains' }]
    expect(staleMutations(rotten, ROOT)).toEqual([expect.stringContaining(`mutant '${MUTANTS[0]!.name}'`)])
  })

  // Each in its own process: two at a time keep both cores busy.
  for (const { name, rule, finding, foundIn, foundBy } of MUTANTS) {
    if (foundBy) {
      it.concurrent(`${name} (${rule}): found by the named case --${foundBy}`, async () => {
        const { code, out } = await runSim(['--mutant', name, `--${foundBy}`])
        expect(out).toMatch(/\d+ violation\(s\):/)
        expect(out).toMatch(new RegExp(`VIOLATION .*(${finding})`))
        expect(code).toBe(1)
      })
      continue
    }
    const [first, last] = foundIn!
    it.concurrent(`${name} (${rule}): found in seeds ${first}..${last}`, async () => {
      const { code, out } = await runSim(['--mutant', name, '--from', String(first), '--seeds', String(last - first + 1), '--first', '--kind', finding])
      expect(out).toMatch(/first violation in schedule \d+/)
      expect(out).toMatch(new RegExp(finding))
      expect(code).toBe(1)
    })
  }
})
