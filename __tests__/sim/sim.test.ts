import { INCIDENT, INCIDENT_OVERLAP, replayHint, simulate, type SimResult } from '../../test/sim/simulate.js'

/** The seeds the suite explores on every run; `npm run sim -- --seeds 2000` explores more. */
const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1)

function explain(result: SimResult): string {
  return `seed ${result.seed}:\n  ${result.violations.join('\n  ')}\n  ${replayHint(result.seed)}`
}

describe('seeded simulation of overlapping runs (test/sim)', () => {
  it(`holds every invariant over ${SEEDS.length} random schedules with faults and dying runs`, async () => {
    const failures: string[] = []
    let runs = 0
    for (const seed of SEEDS) {
      const result = await simulate({ seed })
      runs += result.runs.length
      if (result.violations.length) failures.push(explain(result))
    }
    expect(failures).toEqual([])
    expect(runs).toBeGreaterThan(SEEDS.length)
  })

  it('is deterministic: a seed replays the same schedule, event for event', async () => {
    const first = await simulate({ seed: 3 })
    const second = await simulate({ seed: 3 })
    expect(second.trace).toEqual(first.trace)
    expect(second.steps).toBe(first.steps)
  })

  it('detects what the lock prevents: without it, runs interleave their side effects', async () => {
    // Found within the first 200 schedules (seeds 1..200 find it in several; which ones shifts as the pipeline changes).
    const detected: number[] = []
    for (let seed = 1; seed <= 200; seed++) {
      const result = await simulate({ seed, lock: false })
      if (result.violations.some((v) => v.includes('inside its side-effect section'))) detected.push(seed)
    }
    expect(detected.length).toBeGreaterThanOrEqual(2)
  })

  it('replays the incident: the newer run verifies, the older run starts after and is superseded with no side effect', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT, faults: false })
    expect(result.violations).toEqual([])
    const [older, newer] = [result.runs.find((r) => r.sha.startsWith('7a72516'))!, result.runs.find((r) => r.sha.startsWith('7f25373'))!]
    expect(newer.record).toMatchObject({ result: 'deployed', message: 'deployed staging-7f25373: 3/3 tenants report 7f25373' })
    expect(older.record?.result).toBe('superseded')
    expect(older.record?.message).toContain("owned by 7f25373 (ahead of this run's 7a72516)")
    expect(result.trace.filter((line) => line.includes('control plane: run 1') || line.includes('registry: run 1'))).toEqual([])
    expect(result.trace.some((line) => / tenant hongming now reports 7a72516/.test(line))).toBe(false)
  })

  it('the incident with overlapping runs: the newer run waits for the lock, the older one is superseded between verify rounds', async () => {
    const result = await simulate({ seed: 0, script: INCIDENT_OVERLAP, faults: false })
    expect(result.violations).toEqual([])
    const older = result.runs.find((r) => r.sha.startsWith('7a72516'))!
    const newer = result.runs.find((r) => r.sha.startsWith('7f25373'))!
    expect(newer.record?.result).toBe('deployed')
    expect(['superseded', 'deployed']).toContain(older.record?.result)
    expect(result.trace.some((line) => line.includes("[run 2] waiting for lock 'production': held by https://github.com/acme/fleet/actions/runs/101"))).toBe(true)
  })
})
