import {
  FALSE_GREEN,
  INCIDENT,
  INCIDENT_FAIL_OPEN,
  INCIDENT_FAIL_OPEN_AFTER_HOLDER,
  INCIDENT_FAIL_OPEN_AFTER_RELEASE,
  INCIDENT_FAIL_OPEN_CHAIN,
  INCIDENT_FAIL_OPEN_FALLBACK,
  INCIDENT_OVERLAP,
  REACHED,
  replayHint,
  simulate,
  type Reach,
  type Script,
  type SimResult
} from './simulate.js'

/** Named cases, `--<name>`. */
const CASES: Record<string, Script> = {
  incident: INCIDENT,
  'incident-overlap': INCIDENT_OVERLAP,
  'incident-fail-open': INCIDENT_FAIL_OPEN,
  'incident-fail-open-fallback': INCIDENT_FAIL_OPEN_FALLBACK,
  'incident-fail-open-after-holder': INCIDENT_FAIL_OPEN_AFTER_HOLDER,
  'incident-fail-open-after-release': INCIDENT_FAIL_OPEN_AFTER_RELEASE,
  'incident-fail-open-chain': INCIDENT_FAIL_OPEN_CHAIN,
  'false-green': FALSE_GREEN
}

/**
 * `npm run sim -- --seeds 2000` explores seeds 1..2000; `--seed 1234` replays one seed with its trace;
 * `--from 5000` shifts the range; `--first` stops at the first schedule with a violation (`--kind <regex>`: a
 * violation matching it); `--no-lock` runs
 * without the lock and `--mutant <name>` with one safety rule switched off (run.mjs applies it), to see what each prevents;
 * `--incident` replays the incident's timeline, `--incident-overlap` the same commits with overlapping runs,
 * `--incident-fail-open` its older run with the head unreadable and a tenant blipping at planning,
 * `--incident-fail-open-fallback` the same run while a tenant has fallen back for a moment,
 * `--incident-fail-open-after-holder` the same run after waiting on a newer run that died with its rollouts landing,
 * `--incident-fail-open-after-release` the same run arriving after that run's post step released the lock,
 * `--incident-fail-open-chain` a re-run of it after the first died at its plan and was released too, `--false-green` a
 * tenant that regresses after converging and one that fails after planning found it converged; `--reasons` counts why red runs ended red. Exit code 1 when any invariant was violated.
 */
async function main(argv: string[]): Promise<number> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const lock = !argv.includes('--no-lock')
  // With --first: stop only at a violation matching this pattern (a mutant's own finding).
  const kind = flag('kind') ? new RegExp(flag('kind')!) : null
  // Flags that change what is simulated, repeated in every replay hint.
  const variant = [lock ? '' : ' --no-lock', flag('mutant') ? ` --mutant ${flag('mutant')}` : ''].join('')
  const named = Object.keys(CASES).find((name) => argv.includes(`--${name}`))
  if (named) {
    const script = CASES[named]!
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
  const kinds = new Map<string, { count: number; first: number }>()
  const reached = new Map<Reach, number>(Object.keys(REACHED).map((kind) => [kind as Reach, 0]))
  const forges = new Map<string, number>()
  const writes = { small: 0, large: 0 }
  let largest = 0
  const failures: string[] = []
  const started = Date.now()
  for (let seed = from; seed < from + count; seed++) {
    const result = await simulate({ seed, lock })
    steps += result.steps
    runs += result.runs.length
    for (const kind of result.reached) reached.set(kind, reached.get(kind)! + 1)
    forges.set(result.forge, (forges.get(result.forge) ?? 0) + 1)
    const large = result.tenants >= 100
    writes[large ? 'large' : 'small'] = Math.max(writes[large ? 'large' : 'small'], result.maxForgeWrites)
    largest = Math.max(largest, result.tenants)
    for (const run of result.runs) {
      const key = run.crashedAt !== null ? 'died' : (run.record?.result ?? 'unfinished')
      results.set(key, (results.get(key) ?? 0) + 1)
      if (run.record && run.crashedAt === null && !['deployed', 'noop', 'superseded'].includes(run.record.result)) {
        const reason = `${run.record.result}: ${run.record.message
          .replace(/[0-9a-f]{7,}/g, '<sha>')
          .replace(/\d+/g, 'N')
          .slice(0, 110)}`
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
        if (!firstSeed.has(reason)) firstSeed.set(reason, seed)
      }
    }
    for (const line of result.violations) {
      const kind = violationKind(line)
      const seen = kinds.get(kind) ?? { count: 0, first: seed }
      kinds.set(kind, { count: seen.count + 1, first: seen.first })
    }
    if (result.violations.length) {
      violations += result.violations.length
      failingSeeds++
      const explained = `seed ${seed}: ${result.violations.length} violation(s)\n  ${result.violations.join('\n  ')}\n  ${replayHint(seed)}${variant}`
      failures.push(explained)
      console.log(explained)
      if (argv.includes('--first') && (!kind || result.violations.some((line) => kind.test(line)))) {
        console.log(`first violation in schedule ${seed - from + 1} (seed ${seed})`)
        return 1
      }
    }
  }
  const outcomes = [...results]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  console.log(
    `${count} schedules (seeds ${from}..${from + count - 1}${variant ? `,${variant}` : ''}): ${runs} runs (${outcomes}), ${steps} scheduler steps; ` +
      `${violations} violation(s) in ${failingSeeds} schedule(s); ${((Date.now() - started) / 1000).toFixed(1)}s`
  )
  console.log(
    `forges: ${[...forges].map(([k, v]) => `${k} ${v}`).join(', ')}; most forge writes by one run, less one renewal per half lease and a re-send per failed write: ${writes.small} (3 tenants), ${writes.large} (100–1,000 tenants, largest ${largest})`
  )
  console.log('schedules reaching each path:')
  for (const [kind, n] of reached) console.log(`${String(n).padStart(6)}  ${kind}`)
  for (const [kind, { count: n, first }] of [...kinds].sort((a, b) => b[1].count - a[1].count))
    console.log(`${String(n).padStart(6)}  ${kind} (first: seed ${first})`)
  if (argv.includes('--reasons')) {
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]))
      console.log(`${String(n).padStart(6)}  ${reason} (first: seed ${firstSeed.get(reason)})`)
  }
  // For the test suite, which runs the schedules bundled, in child processes.
  if (argv.includes('--json')) {
    const summary: SimSummary = {
      schedules: count,
      runs,
      violations: failures,
      reached: Object.fromEntries(reached) as Record<Reach, number>,
      writes,
      largest
    }
    console.log(`JSON ${JSON.stringify(summary)}`)
  }
  return violations ? 1 : 0
}

/** What `--json` prints after `JSON `. */
export interface SimSummary {
  readonly schedules: number
  readonly runs: number
  /** Each failing seed with its violations and replay command. */
  readonly violations: readonly string[]
  /** Schedules that reached each path (REACHED). */
  readonly reached: Readonly<Record<Reach, number>>
  /** The most forge writes one run sent, in schedules of 3 tenants and of 100–1,000. */
  readonly writes: { readonly small: number; readonly large: number }
  readonly largest: number
}

/** A violation line without its times, SHAs, names and numbers: what kind of break it is. */
function violationKind(line: string): string {
  return line
    .replace(/^t=[\d.]+s /, '')
    .replace(/\([^()]*\)/g, '')
    .replace(/[0-9a-f]{7,}/g, '<sha>')
    .replace(/\b(hongming|ana|bo|t\d{4})\b/g, '<tenant>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
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
