// Bundles the simulation (TypeScript) with esbuild into a temporary file and runs it: `npm run sim -- --seeds 2000`.
import { build } from 'esbuild'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
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
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
  process.argv = [process.argv[0], outfile, ...process.argv.slice(2)]
  await import(pathToFileURL(outfile).href)
} finally {
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
}
