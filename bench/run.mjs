// Builds the fleet benchmark with esbuild (TypeScript straight from src/; the whole runs start the bundle
// in dist/) into a temporary directory and runs it. Usage: npm run bench [-- --sizes 1000,10000 --schemes http,https --repeat 3
// --health off,on --dist <build> --compare <another build> --runs-only]; `--sizes none` skips the whole runs.
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
