/**
 * Cold start of the committed bundle, as a runner starts it: `node dist/index.js` with INPUT_* variables,
 * timed from just before spawn to the arrival of its first forge request (the branch head read) at a
 * local stand-in for the forge API, both instants on this process's clock. A bare `node` that sends one
 * request at once gives the floor the machine sets. Also: the size of dist/ and of what index.js loads.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

export interface ColdStart {
  /** Milliseconds, spawn → first request, one per run. */
  bundleMs: number[]
  /** Same for `node -e` sending one request: the floor. */
  bareNodeMs: number[]
}

export interface BundleSize {
  totalBytes: number
  /** Files index.js loads (itself, and its static and dynamic relative imports, transitively). */
  loaded: { file: string; bytes: number }[]
}

/** A forge stand-in that reports each request's arrival time to whoever waits for it. */
async function startForge(): Promise<{ server: Server; url: string; nextRequest: () => Promise<{ at: number; path: string }> }> {
  let waiter: ((hit: { at: number; path: string }) => void) | null = null
  const server = createServer((req, res) => {
    const at = performance.now()
    // Octokit escapes a ref's slashes (`heads%2Fmain`), which GitHub reads as slashes.
    const path = decodeURIComponent(req.url ?? '')
    waiter?.({ at, path })
    waiter = null
    if (/\/git\/ref\/heads\//.test(path)) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ref: 'refs/heads/main', object: { sha: SHA, type: 'commit' } }))
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { server, url, nextRequest: () => new Promise((done) => (waiter = done)) }
}

async function timeFirstRequest(
  args: string[],
  env: NodeJS.ProcessEnv,
  nextRequest: () => Promise<{ at: number; path: string }>
): Promise<{ ms: number; path: string }> {
  const arrival = nextRequest()
  const started = performance.now()
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' })
  const exited = new Promise<number | null>((done) => child.once('exit', done))
  const first = await Promise.race([arrival, exited.then((code) => Promise.reject(new Error(`${args.join(' ')} exited with ${code} before any request`)))])
  child.kill('SIGKILL')
  await exited
  return { ms: first.at - started, path: first.path }
}

export async function measureColdStart(distDir: string, runs: number): Promise<ColdStart> {
  const forge = await startForge()
  const scratch = mkdtempSync(join(tmpdir(), 'fleet-forward-cold-'))
  try {
    const files = Object.fromEntries(['output', 'summary', 'state'].map((name) => [name, join(scratch, name)]))
    for (const file of Object.values(files)) writeFileSync(file, '')
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      INPUT_TOKEN: 'ghs_cold_start_token',
      INPUT_BRANCH: 'main',
      INPUT_SHA: SHA,
      INPUT_TENANTS: `a ${forge.url}/t/a/buildinfo\nb ${forge.url}/t/b/buildinfo`,
      'INPUT_SETTLE-BUDGET': '30',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/fleet',
      GITHUB_API_URL: forge.url,
      // The API on the server's own host, as on GitHub Enterprise Server: the token goes nowhere else.
      GITHUB_SERVER_URL: forge.url,
      GITHUB_RUN_ID: '1',
      GITHUB_SHA: SHA,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state
    }
    const bundleMs: number[] = []
    const bareNodeMs: number[] = []
    const bare = `require('node:http').get(${JSON.stringify(`${forge.url}/bare`)}).on('error', () => {})`
    for (let run = 0; run < runs; run++) {
      const bundle = await timeFirstRequest([join(distDir, 'index.js')], env, forge.nextRequest)
      if (!bundle.path.endsWith('/repos/acme/fleet/git/ref/heads/main')) throw new Error(`first request was ${bundle.path}, not the branch head read`)
      bundleMs.push(bundle.ms)
      bareNodeMs.push((await timeFirstRequest(['-e', bare], env, forge.nextRequest)).ms)
    }
    return { bundleMs, bareNodeMs }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
    await new Promise((done) => forge.server.close(done))
  }
}

const RELATIVE_IMPORT = /(?:from\s*|import\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g

export function bundleSize(distDir: string): BundleSize {
  const walk = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
      const path = join(dir, entry.name)
      return sum + (entry.isDirectory() ? walk(path) : statSync(path).size)
    }, 0)
  const loaded = new Map<string, number>()
  const visit = (file: string): void => {
    if (loaded.has(file)) return
    const text = readFileSync(file, 'utf8')
    loaded.set(file, Buffer.byteLength(text))
    // The pattern also meets strings inside bundled code; only files that exist in dist/ are imports.
    for (const match of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), match[1])
      if (target.endsWith('.js') && existsSync(target)) visit(target)
    }
  }
  visit(resolve(distDir, 'index.js'))
  const root = resolve(distDir)
  return {
    totalBytes: walk(distDir),
    loaded: [...loaded].map(([file, bytes]) => ({ file: `dist${file.slice(root.length)}`, bytes }))
  }
}
