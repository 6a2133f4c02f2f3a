// Fails when the committed dist/ differs from a fresh build of the sources.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

const fresh = mkdtempSync(join(tmpdir(), 'fleet-forward-dist-'))
try {
  execFileSync(process.execPath, ['scripts/build.mjs', fresh], { stdio: 'inherit' })
  const want = new Map(files(fresh).map((f) => [relative(fresh, f), readFileSync(f)]))
  const have = new Map(files('dist').map((f) => [relative('dist', f), readFileSync(f)]))
  const differ = [...new Set([...want.keys(), ...have.keys()])].filter((f) => !want.get(f)?.equals(have.get(f) ?? Buffer.alloc(0)))
  if (differ.length > 0) {
    console.error(`dist/ is out of date with the sources (${differ.join(', ')}): run npm run build and commit dist/`)
    process.exit(1)
  }
  console.log(`dist/ matches a fresh build (${want.size} files)`)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}
