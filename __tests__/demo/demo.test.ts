/**
 * The README's "run it" command, `node dist/cli.js demo`, as a user runs it: the committed bundle
 * replays the incident on 127.0.0.1 and checks its own expectations. Its exit code is the verdict.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

interface Exit {
  code: number | null
  stdout: string
  stderr: string
}

let child: ChildProcess | null = null

function runDemo(): Promise<Exit> {
  // A clean environment: the demo brings its own forge, registry and fleet, and needs no token.
  const demo = spawn(process.execPath, [resolve('dist/cli.js'), 'demo'], { env: { PATH: process.env.PATH ?? '' } })
  child = demo
  let stdout = ''
  let stderr = ''
  demo.stdout.on('data', (chunk) => (stdout += chunk))
  demo.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((done) => demo.on('close', (code) => done({ code, stdout, stderr })))
}

// A demo that hangs fails its test on the timeout; it must not outlive the test run.
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
})

describe('node dist/cli.js demo', () => {
  let demo: Exit

  beforeAll(async () => {
    demo = await runDemo()
  })

  it('exits 0: every expectation held', () => {
    expect(demo.stderr).toBe('')
    expect(demo.stdout).not.toContain('✘')
    expect(demo.stdout).toMatch(/^All \d+ expectations held/m)
    expect(demo.code).toBe(0)
  })

  it('the newer run deploys and verifies, the slow tenant settling inside the budget', () => {
    expect(demo.stdout).toMatch(/│ fleet-forward production: deployed \(green\): deployed staging-7f25373: 8\/8 tenants report 7f25373/)
    expect(demo.stdout).toContain('✔ wave 1, the canary (hongming), verified before wave 2 (7 tenants) was told to roll')
    expect(demo.stdout).toMatch(/✔ elif was still draining at the first probe and settled after [\d.]+s \(attempt \d+\), inside the 6s budget/)
  })

  it('the older, superseded run skips every side effect', () => {
    expect(demo.stdout).toContain(
      "│ fleet-forward production: superseded (green): branch 'main' is owned by 7f25373 (ahead of this run's 7a72516); this run skips every side effect"
    )
    expect(demo.stdout).toContain('✔ it touched nothing: 0 redeploy calls, 0 registry writes, 0 commit statuses')
  })

  it(':latest never moves back', () => {
    expect(demo.stdout).toMatch(/✔ :latest not moved back: latest → staging-7f25373 \(sha256:[0-9a-f]{12}…, commit 7f25373\)/)
    expect(demo.stdout).not.toMatch(/:latest moved/)
  })

  it('the wedged tenant fails loudly, by name', () => {
    expect(demo.stdout).toMatch(/│ error: hongming is stale: actual=7a72516, expected=7f25373$/m)
    expect(demo.stdout).toContain('✔ it failed loudly, by name: exit 1, result stale')
  })

  it('a run during a freeze is deferred, green, touching nothing, and names when the freeze ends', () => {
    expect(demo.stdout).toMatch(
      /│ fleet-forward production: deferred \(green\): deploy freeze '[-0-9T:]+ [-0-9T:]+ UTC' is on; the next window opens [-0-9]+ [0-9:]+ UTC; nothing was touched/
    )
    expect(demo.stdout).toMatch(/✔ it ended deferred, green \(exit 0\), naming when deploys open again: /)
  })

  it('prints the four records', () => {
    expect(demo.stdout).toMatch(/run 1 · fleet-forward production: deployed/)
    expect(demo.stdout).toMatch(/run 2 · fleet-forward production: superseded/)
    expect(demo.stdout).toMatch(/run 3 · fleet-forward production: deferred/)
    expect(demo.stdout).toMatch(/run 4 · fleet-forward production: stale/)
  })
})
