// Bundles the action and the CLI into dist/ (self-contained: runs with no node_modules).
//   dist/index.js, dist/post.js, dist/cli.js — tiny launchers built for old syntax, so an old Node
//   reads them and stops with a clear message (src/entry/guard.ts);
//   dist/lib/ — the real code for Node 20, split so the action and the CLI share one copy of the core.
import { build } from 'esbuild'
import { chmodSync, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'

const outdir = resolve(process.argv[2] ?? 'dist')
rmSync(outdir, { recursive: true, force: true })

// Launchers load the lib bundles at run time instead of bundling them.
const libEntries = { '../action/main.js': './lib/main.js', '../action/post.js': './lib/post.js', '../cli/main.js': './lib/cli.js' }
const keepLibExternal = {
  name: 'lib-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/(action|cli)\// }, (args) => ({ path: libEntries[args.path], external: true }))
  }
}

// The CLI imports package.json for `--version`: the bundle gets that field alone, not the dependency lists.
const manifest = resolve('package.json')
const versionOnly = {
  name: 'package-version-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
      args.path === manifest ? { contents: JSON.stringify({ version: JSON.parse(readFileSync(manifest, 'utf8')).version }), loader: 'json' } : undefined
    )
  }
}

const common = { bundle: true, platform: 'node', format: 'esm', legalComments: 'none', logLevel: 'warning' }

await build({
  ...common,
  entryPoints: { index: 'src/entry/index.ts', post: 'src/entry/post.ts', cli: 'src/entry/cli.ts' },
  outdir,
  target: 'es2017',
  plugins: [keepLibExternal],
  banner: { js: '#!/usr/bin/env node' }
})

await build({
  ...common,
  entryPoints: { main: 'src/action/main.ts', post: 'src/action/post.ts', cli: 'src/cli/main.ts' },
  outdir: resolve(outdir, 'lib'),
  target: 'node20',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [versionOnly],
  // CommonJS dependencies (undici) call require() for Node built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);" }
})

// The command line launcher runs as `fleet-forward` or `./dist/cli.js` too.
chmodSync(resolve(outdir, 'cli.js'), 0o755)
