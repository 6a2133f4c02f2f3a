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

  it('uses undici through its public entry point only: no source, test or build script reaches into its files', () => {
    const files = ['src', 'bench', 'test', 'scripts'].flatMap((dir) => sources(dir, /\.(ts|mjs|cjs|js)$/))
    const deep = files.filter((file) => /['"](?:[./]*node_modules\/)?undici\/[^'"]+['"]/.test(readFileSync(file, 'utf8')))
    expect(deep).toEqual([])
  })
})
