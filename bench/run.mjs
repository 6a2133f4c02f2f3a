// Builds the fleet benchmark with esbuild (TypeScript straight from src/, no dist/ needed) into a
// temporary directory and runs it. Usage: npm run bench [-- --sizes 100,1000,10000 --curl-sample 500]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = mkdtempSync(join(tmpdir(), 'fleet-forward-bench-'))
try {
  const outfile = join(outdir, 'fleet-bench.mjs')
  await build({
    entryPoints: [join(here, 'fleet-bench.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    // undici is CommonJS; an ESM bundle needs a `require` for its Node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }
  })
  const { status } = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exitCode = status ?? 1
} finally {
  rmSync(outdir, { recursive: true, force: true })
}
