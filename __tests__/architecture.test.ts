import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function sources(dir: string, extensions = /\.ts$/): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path, extensions) : extensions.test(path) ? [path] : []
  })
}

const IMPORTS_ACTIONS_CORE = /^\s*import\b[^;]*from\s+'@actions\/core'/m

describe('layout', () => {
  it('keeps @actions/core in the runner glue: the core, the stages and the CLI share an engine that knows nothing of Actions', () => {
    const importers = sources('src').filter((file) => IMPORTS_ACTIONS_CORE.test(readFileSync(file, 'utf8')))
    expect(importers.length).toBeGreaterThan(0)
    expect(importers.filter((file) => !file.startsWith(join('src', 'action')))).toEqual([])
  })

  it('reads inputs in one place: nothing outside the runner glue and the CLI calls getInput', () => {
    const readers = sources('src').filter((file) => /\bgetInput\(/.test(readFileSync(file, 'utf8')))
    expect(readers.filter((file) => !file.startsWith(join('src', 'action')) && !file.startsWith(join('src', 'cli')))).toEqual([])
  })

  it('layers downward: only the runner glue and the CLI import the core, and the shared vocabulary (src/types.ts) imports nothing', () => {
    const importsCore = /^\s*import\b[^;]*from\s+'(?:\.\.\/)+core\//m
    const importers = sources('src').filter((file) => !file.startsWith(join('src', 'core')) && importsCore.test(readFileSync(file, 'utf8')))
    expect(importers.sort()).toEqual([join('src', 'action', 'main.ts'), join('src', 'cli', 'deploy.ts')])
    expect(readFileSync(join('src', 'types.ts'), 'utf8')).not.toMatch(/^\s*import\b/m)
  })

  it('uses undici through its public entry point only: no source, test or build script reaches into its files', () => {
    const files = ['src', 'bench', 'test', 'scripts'].flatMap((dir) => sources(dir, /\.(ts|mjs|cjs|js)$/))
    const deep = files.filter((file) => /['"](?:[./]*node_modules\/)?undici\/[^'"]+['"]/.test(readFileSync(file, 'utf8')))
    expect(deep).toEqual([])
  })
})

describe('bundles', () => {
  /** The files an entry of dist/lib loads at start: itself and every chunk it imports statically, transitively. */
  function loadedAtStart(entry: string): string[] {
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?from\s*["'](\.[^"']+)["']/gm)) visit(join(file, '..', spec))
    }
    visit(join('dist', 'lib', entry))
    return [...seen]
  }

  it('no module outside src/demo imports the demo statically: the CLI loads it only for `demo`', () => {
    const importers = sources('src').filter(
      (file) => !file.startsWith(join('src', 'demo')) && /^\s*import\b[^;]*from\s+'[./]*demo\//m.test(readFileSync(file, 'utf8'))
    )
    expect(importers).toEqual([])
  })

  it("carries package.json's version alone, never its dependency lists", () => {
    const files = sources('dist', /\.js$/)
    expect(files.length).toBeGreaterThan(3)
    expect(files.filter((file) => readFileSync(file, 'utf8').includes('devDependencies'))).toEqual([])
  })

  it.each(['main.js', 'post.js', 'cli.js'])('dist/lib/%s does not load the demo at start', (entry) => {
    const files = loadedAtStart(entry)
    expect(files.length).toBeGreaterThan(1)
    // The demo's own module and its replay of the incident are in a chunk of their own.
    expect(files.filter((file) => readFileSync(file, 'utf8').includes('expectations held'))).toEqual([])
  })
})

test('the npm package ships the bundle, the action and the docs, never sources or tests', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  const paths: string[] = pack.files.map((f: { path: string }) => f.path)
  expect(paths).toEqual(expect.arrayContaining(['dist/cli.js', 'dist/index.js', 'dist/post.js', 'action.yml', 'README.md', 'docs/contract.md']))
  expect(paths.filter((path) => !/^(dist\/|docs\/|action\.yml$|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$)/.test(path))).toEqual([])
})
