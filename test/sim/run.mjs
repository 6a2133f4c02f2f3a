// Bundles the simulation (TypeScript) with esbuild and runs it: `npm run sim -- --seeds 2000`.
// `--mutant <name>` bundles the source with one named mutation of test/sim/mutants.mjs applied (a safety rule switched off).
// Bundles are cached under node_modules/.cache/fleet-forward-sim, keyed by a hash of every source they may
// contain and of the mutation, so a run after an unchanged tree starts at once. `--build-all` builds the
// plain bundle and every mutant's (in parallel) and exits: the test suite calls it once before the mutants run.
import { build, version as esbuildVersion } from 'esbuild'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MUTANTS } from './mutants.mjs'
import { mutationPlugin, staleMutations } from './mutate.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const cacheDir = join(root, 'node_modules', '.cache', 'fleet-forward-sim')
/** Everything a bundle can contain besides node_modules (whose versions package-lock.json pins). */
const SOURCES = ['src', 'test/sim', 'test/support', 'package-lock.json']

function selectedMutant(argv) {
  const i = argv.indexOf('--mutant')
  if (i < 0) return null
  const mutant = MUTANTS.find((m) => m.name === argv[i + 1])
  if (!mutant) throw new Error(`unknown mutant '${argv[i + 1]}'; known: ${MUTANTS.map((m) => m.name).join(', ')}`)
  return mutant
}

function filesUnder(path) {
  const full = join(root, path)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)))
}

/** One hash of the sources, computed once per process. */
function sourcesHash() {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`)
  for (const file of SOURCES.flatMap(filesUnder)) hash.update(`${file}\n`).update(readFileSync(join(root, file)))
  return hash.digest('hex')
}

/** The cached bundle of the simulation, with `mutant` applied (null: the real code); built when missing. */
async function bundle(mutant, sources) {
  const key = createHash('sha256')
    .update(sources)
    .update(JSON.stringify(mutant ?? null))
    .digest('hex')
    .slice(0, 24)
  const outfile = join(cacheDir, `sim-${mutant ? mutant.name : 'real'}-${key}.mjs`)
  if (existsSync(outfile)) return outfile
  mkdirSync(cacheDir, { recursive: true })
  // Written aside and renamed: a process reading the cache never sees half a bundle.
  const partial = `${outfile}.${process.pid}.tmp`
  await build({
    entryPoints: [join(here, 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: partial,
    logLevel: 'warning',
    plugins: mutant ? [mutationPlugin(mutant, root)] : [],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
  renameSync(partial, outfile)
  // The same bundle of an older tree is never asked for again.
  const own = new RegExp(`^sim-${mutant ? mutant.name : 'real'}-[0-9a-f]{24}\\.mjs$`)
  for (const name of readdirSync(cacheDir)) if (own.test(name) && join(cacheDir, name) !== outfile) rmSync(join(cacheDir, name), { force: true })
  return outfile
}

const argv = process.argv.slice(2)
// Checked on every run, asked for or not, so a mutation never silently stops applying.
const problems = staleMutations(MUTANTS, root)
if (problems.length) {
  console.error(`stale mutations in test/sim/mutants.mjs:\n  ${problems.join('\n  ')}`)
  process.exit(2)
}
const sources = sourcesHash()
if (argv.includes('--build-all')) {
  await Promise.all([null, ...MUTANTS].map((mutant) => bundle(mutant, sources)))
  console.log(`${MUTANTS.length + 1} simulation bundles ready in ${cacheDir}`)
  process.exit(0)
}
let mutant
try {
  mutant = selectedMutant(argv)
} catch (error) {
  console.error(error.message)
  process.exit(2)
}
if (mutant) console.log(`mutant '${mutant.name}': switched off: ${mutant.rule}`)
const outfile = await bundle(mutant, sources)
process.argv = [process.argv[0], outfile, ...argv]
await import(pathToFileURL(outfile).href)
