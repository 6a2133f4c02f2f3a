// Bundles the simulation (TypeScript) with esbuild into a temporary file and runs it: `npm run sim -- --seeds 2000`.
// `--mutant <name>` bundles the source with one named mutation of test/sim/mutants.mjs applied (a safety rule switched off).
import { build } from 'esbuild'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MUTANTS } from './mutants.mjs'
import { mutationPlugin, staleMutations } from './mutate.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')

function selectedMutant(argv) {
  const i = argv.indexOf('--mutant')
  if (i < 0) return null
  const mutant = MUTANTS.find((m) => m.name === argv[i + 1])
  if (!mutant) throw new Error(`unknown mutant '${argv[i + 1]}'; known: ${MUTANTS.map((m) => m.name).join(', ')}`)
  return mutant
}

const argv = process.argv.slice(2)
// Checked on every run, asked for or not, so a mutation never silently stops applying.
const problems = staleMutations(MUTANTS, root)
if (problems.length) {
  console.error(`stale mutations in test/sim/mutants.mjs:\n  ${problems.join('\n  ')}`)
  process.exit(2)
}
let mutant
try {
  mutant = selectedMutant(argv)
} catch (error) {
  console.error(error.message)
  process.exit(2)
}
if (mutant) console.log(`mutant '${mutant.name}': switched off: ${mutant.rule}`)

const dir = mkdtempSync(join(tmpdir(), 'fleet-forward-sim-'))
const outfile = join(dir, 'sim.mjs')
try {
  await build({
    entryPoints: [join(here, 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    plugins: mutant ? [mutationPlugin(mutant, root)] : [],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
  process.argv = [process.argv[0], outfile, ...argv]
  await import(pathToFileURL(outfile).href)
} finally {
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
}
