import { INCIDENT, INCIDENT_OVERLAP, replayHint, simulate, type SimResult } from './simulate.js'

/**
 * `npm run sim -- --seeds 2000` explores seeds 1..2000; `--seed 1234` replays one seed with its trace;
 * `--from 5000` shifts the range; `--no-lock` runs without the lock (to see what it prevents);
 * `--incident` replays the incident's timeline, `--incident-overlap` the same commits with overlapping runs; `--reasons` counts why red runs ended red. Exit code 1 when any invariant was violated.
 */
async function main(argv: string[]): Promise<number> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const lock = !argv.includes('--no-lock')
  if (argv.includes('--incident') || argv.includes('--incident-overlap')) {
    const script = argv.includes('--incident') ? INCIDENT : INCIDENT_OVERLAP
    const result = await simulate({ seed: 0, script, faults: false, lock })
    print(result, true)
    return result.violations.length ? 1 : 0
  }
  const single = flag('seed')
  if (single !== undefined) {
    const result = await simulate({ seed: Number(single), lock })
    print(result, true)
    return result.violations.length ? 1 : 0
  }
  const count = Number(flag('seeds') ?? 200)
  const from = Number(flag('from') ?? 1)
  let violations = 0
  let failingSeeds = 0
  let steps = 0
  let runs = 0
  const results = new Map<string, number>()
  const reasons = new Map<string, number>()
  const firstSeed = new Map<string, number>()
  const started = Date.now()
  for (let seed = from; seed < from + count; seed++) {
    const result = await simulate({ seed, lock })
    steps += result.steps
    runs += result.runs.length
    for (const run of result.runs) {
      const key = run.crashedAt !== null ? 'died' : (run.record?.result ?? 'unfinished')
      results.set(key, (results.get(key) ?? 0) + 1)
      if (run.record && run.crashedAt === null && !['deployed', 'noop', 'superseded'].includes(run.record.result)) {
        const reason = `${run.record.result}: ${run.record.message.replace(/[0-9a-f]{7,}/g, '<sha>').replace(/\d+/g, 'N').slice(0, 110)}`
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
        if (!firstSeed.has(reason)) firstSeed.set(reason, seed)
      }
    }
    if (result.violations.length) {
      violations += result.violations.length
      failingSeeds++
      console.log(`seed ${seed}: ${result.violations.length} violation(s)\n  ${result.violations.join('\n  ')}\n  ${replayHint(seed)}${lock ? '' : ' --no-lock'}`)
    }
  }
  const outcomes = [...results].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ')
  console.log(
    `${count} schedules (seeds ${from}..${from + count - 1}${lock ? '' : ', lock off'}): ${runs} runs (${outcomes}), ${steps} scheduler steps; ` +
      `${violations} violation(s) in ${failingSeeds} schedule(s); ${((Date.now() - started) / 1000).toFixed(1)}s`
  )
  if (argv.includes('--reasons')) {
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(6)}  ${reason} (first: seed ${firstSeed.get(reason)})`)
  }
  return violations ? 1 : 0
}

function print(result: SimResult, withTrace: boolean): void {
  if (withTrace) console.log(result.trace.join('\n'))
  console.log(result.violations.length ? `${result.violations.length} violation(s):\n  ${result.violations.join('\n  ')}` : 'no violations')
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(2)
  }
)
