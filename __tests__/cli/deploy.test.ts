/**
 * The command line against a fake GitHub, a fake fleet and a control plane on 127.0.0.1, run in-process
 * with a virtual clock: flags → the shared pipeline → exit code, output and record.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIO } from '../../src/cli/deploy.js'
import { runCli } from '../../src/cli/main.js'
import type { OutputStream } from '../../src/cli/terminal.js'
import { SimulatedRegistry } from '../../src/demo/registry.js'
import type { RunRecord } from '../../src/stages/record.js'
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'
import { BASE, NEWER, OLDER } from '../../test/support/memory-forge.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const TOKEN = 'ghs_fake_token'
const TENANTS = ['hongming', 'ana', 'bo', 'cy']

class Capture implements OutputStream {
  text = ''
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
    private readonly onWrite: (text: string) => void = () => {}
  ) {}
  write(text: string): boolean {
    this.text += text
    this.onWrite(text)
    return true
  }
}

let forge: FakeGitHub
let fleet: FakeFleet
let controlPlane: ControlPlane
let dir: string

beforeEach(async () => {
  forge = await startIncidentForge(new FakeGitHub({ token: TOKEN }))
  fleet = await startFakeFleet({ sha: OLDER })
  controlPlane = await startControlPlane((body) => fleet.setDefaultSha(body.sha))
  dir = mkdtempSync(join(tmpdir(), 'ff-cli-'))
})

afterEach(async () => {
  await Promise.all([forge.close(), fleet.close(), controlPlane.close()])
})

interface CliRun {
  code: number
  stdout: string
  stderr: string
}

function baseFlags(sha = NEWER): string[] {
  return [
    '--repository',
    'acme/fleet',
    '--api-url',
    forge.apiUrl,
    '--server-url',
    forge.url,
    '--run-id',
    '42',
    '--sha',
    sha,
    '--branch',
    'main',
    '--tenants',
    TENANTS.map((name) => `${name} ${fleet.url(name)}`).join('\n'),
    '--redeploy-url',
    `${controlPlane.url}/roll`,
    '--settle-budget',
    '30',
    '--settle-interval',
    '5'
  ]
}

async function cli(
  argv: string[],
  options: { env?: Record<string, string>; tty?: boolean; signal?: AbortSignal; onStdout?: (text: string) => void; onStderr?: (text: string) => void } = {}
): Promise<CliRun> {
  const stdout = new Capture(options.tty, 100, options.onStdout)
  const stderr = new Capture(false, 100, options.onStderr)
  const io: CliIO = {
    stdout,
    stderr,
    env: options.env ?? { FLEET_FORWARD_TOKEN: TOKEN },
    readTextFile: (path) => readFileSync(path, 'utf8'),
    clock: new VirtualClock(Date.UTC(2026, 0, 1)),
    signal: options.signal ?? new AbortController().signal
  }
  const code = await runCli(argv, io)
  return { code, stdout: stdout.text, stderr: stderr.text }
}

describe('fleet-forward deploy: exit codes mean the result', () => {
  it('deployed → 0, with the verdict and one plain line per round off a terminal', async () => {
    const run = await cli(['deploy', ...baseFlags()])
    expect(run.code).toBe(0)
    expect(controlPlane.calls).toHaveLength(1)
    expect(run.stdout).toContain("branch 'main' is at 7f25373: this run owns it")
    expect(run.stdout).toMatch(/^round 1: 4\/4 converged$/m)
    expect(run.stdout).toMatch(/^fleet-forward production: deployed \(green\): deployed staging-7f25373: 4\/4 tenants report 7f25373$/m)
    // Not a terminal: no cursor movement, and nothing an Actions runner would parse as a command.
    expect(run.stdout).not.toContain('\u001b')
    expect(run.stdout).not.toMatch(/^::/m)
    // A green run ends with its verdict, not a table.
    expect(run.stdout).not.toMatch(/^tenant +state/m)
  })

  it('superseded → 0, touching nothing', async () => {
    const run = await cli(baseFlags(OLDER))
    expect(run.code).toBe(0)
    expect(controlPlane.calls).toHaveLength(0)
    expect(run.stdout).toMatch(/superseded \(green\): branch 'main' is owned by 7f25373 \(ahead of this run's 7a72516\)/)
  })

  it('stale → 1, naming each stale tenant', async () => {
    fleet.set('hongming', { sha: OLDER })
    const run = await cli([...baseFlags(), '--settle-budget', '0'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^error: hongming is stale: actual=7a72516, expected=7f25373$/m)
    expect(run.stdout).toMatch(/stale \(red\): 1 of 4 tenant\(s\) did not report 7f25373 within the 0s settle budget/)
    // The per-tenant table, the stale tenant first.
    expect(run.stdout).toMatch(/^tenant +state +actual +attempts +converged +error\nhongming +stale +7a72516 +1 +- *\nana +converged +7f25373 /m)
  })

  it('blocked → 2 when the promotion would move :latest backward', async () => {
    const registry = new SimulatedRegistry('acme/fleet')
    registry.addImage('staging-7a72516', OLDER)
    registry.addImage('staging-7f25373', NEWER)
    registry.retag('latest', 'staging-7f25373')
    await registry.start()
    try {
      forge.setBranch('main', OLDER)
      fleet.setDefaultSha(BASE)
      const run = await cli([...baseFlags(OLDER), '--image', registry.image])
      expect(run.code).toBe(2)
      expect(run.stdout).toMatch(/blocked \(red\)/)
      expect(registry.tagState('latest')?.revision).toBe(NEWER)
    } finally {
      await registry.close()
    }
  })

  it('failed → 3 when the redeploy endpoint cannot be reached', async () => {
    const closed = await closedPort()
    const run = await cli([...baseFlags(), '--redeploy-url', `http://127.0.0.1:${closed}/roll`])
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(/failed \(red\): POST http:\/\/127\.0\.0\.1:\d+\/roll failed \(refused\)/)
  })

  it('aborted → 4 when cancelled during verify, with the record saying so', async () => {
    fleet.set('hongming', { sha: OLDER })
    const controller = new AbortController()
    const run = await cli([...baseFlags(), '--json'], {
      signal: controller.signal,
      onStderr: (text) => {
        if (text.startsWith('round 1:')) controller.abort(new Error('received SIGINT'))
      }
    })
    expect(run.code).toBe(4)
    const record = JSON.parse(run.stdout) as RunRecord
    expect(record.result).toBe('aborted')
    expect(record.message).toMatch(/received SIGINT/)
  })
})

describe('fleet-forward deploy: output', () => {
  it('--json prints exactly the record on stdout, the human text on stderr', async () => {
    const history = join(dir, 'history.jsonl')
    const run = await cli([...baseFlags(), '--json', '--history-file', history])
    expect(run.code).toBe(0)
    const record = JSON.parse(run.stdout) as RunRecord
    expect(record).toMatchObject({ result: 'deployed', sha: NEWER, head_sha: NEWER, expected_sha: NEWER, repository: 'acme/fleet', environment: 'production' })
    expect(record.tenants.map((t) => [t.name, t.state])).toEqual(TENANTS.map((name) => [name, 'converged']))
    // Outside Actions a run id alone makes no link: the forge has no page for another CI's run.
    expect(record.run_url).toBe('')
    expect(forge.statuses(NEWER).every((status) => status.targetUrl === '')).toBe(true)
    // The same record went to the history file, once.
    expect(
      readFileSync(history, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    ).toEqual([record])
    expect(run.stderr).toMatch(/deployed \(green\)/)
  })

  it('--run-url (or FLEET_FORWARD_RUN_URL) is the link in the record and the statuses', async () => {
    const runUrl = 'https://jenkins.example/job/fleet/42/'
    for (const run of [
      await cli([...baseFlags(), '--json', '--run-url', runUrl]),
      await cli([...baseFlags(), '--json'], { env: { FLEET_FORWARD_TOKEN: TOKEN, FLEET_FORWARD_RUN_URL: runUrl } })
    ]) {
      expect(run.code).toBe(0)
      expect((JSON.parse(run.stdout) as RunRecord).run_url).toBe(runUrl)
    }
    expect(forge.statuses(NEWER).map((status) => status.targetUrl)).toContain(runUrl)
  })

  it('inside Actions without --run-url, the record links to the forge run page', async () => {
    const run = await cli([...baseFlags(), '--json'], { env: { FLEET_FORWARD_TOKEN: TOKEN, GITHUB_ACTIONS: 'true' } })
    expect((JSON.parse(run.stdout) as RunRecord).run_url).toBe(`${forge.url}/acme/fleet/actions/runs/42`)
  })

  it('on a terminal, redraws one live block per round instead of printing round lines', async () => {
    fleet.set('hongming', { sha: OLDER })
    fleet.set('ana', { status: 503 })
    const run = await cli([...baseFlags(), '--settle-budget', '10'], { tty: true })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('verify round 1 · 2/4 converged · 1 stale · 1 unreachable · budget 10s, every 5s\n')
    expect(run.stdout).toContain('  ○ hongming: reports 7a72516\n  ○ ana: unreachable (http_5xx)\n')
    // The block of round 1 (3 lines) is erased before round 2 is drawn.
    expect(run.stdout).toContain('\u001b[3A\r\u001b[Jverify round 2 ·')
    expect(run.stdout).not.toMatch(/^round \d+:/m)
    // A line printed while the block is shown goes above it; the block is redrawn below.
    expect(run.stdout).toContain('\u001b[3A\r\u001b[Jerror: hongming is stale: actual=7a72516, expected=7f25373\nverify round 3 ·')
  })

  it('warns about a secret given as a flag and never prints its value', async () => {
    const run = await cli([...baseFlags(), '--token', TOKEN], { env: {} })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^warning: --token on the command line is visible to every user of this machine .* set FLEET_FORWARD_TOKEN instead$/m)
    expect(run.stdout + run.stderr).not.toContain(TOKEN)
  })
})

describe('fleet-forward deploy: bad usage → 64, nothing contacted', () => {
  it.each([
    [['--settle-budget', 'soon'], /^fleet-forward: --settle-budget: must be a number of seconds from 0 to 21600, got 'soon'$/m],
    [['--sha', 'xyz'], /^fleet-forward: --sha: must be a commit SHA/m],
    [['--tenants-file', '/nonexistent/tenants.txt', '--tenants', ''], /^fleet-forward: --tenants-file: cannot read '\/nonexistent\/tenants.txt': ENOENT$/m],
    [['--repository', 'not-a-repo'], /^fleet-forward: --repository: must be owner\/name, got 'not-a-repo'$/m],
    [['--run-url', 'ftp://ci.example/run/42'], /^fleet-forward: --run-url: value must be an http or https URL, got 'ftp:'$/m],
    [['--settle-budegt', '3'], /^fleet-forward: unknown flag '--settle-budegt'/m]
  ])('%j', async (extra, message) => {
    const run = await cli([...baseFlags(), ...extra])
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(message)
    expect(forge.requests).toHaveLength(0)
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('reports every invalid or missing flag of one run together, each on its line', async () => {
    const flags = baseFlags().filter((_, i, all) => !['--repository', '--tenants'].includes(all[i]) && !['--repository', '--tenants'].includes(all[i - 1]))
    const run = await cli([...flags, '--settle-budget', 'soon', '--forge', 'gitlab'], { env: {} })
    expect(run.code).toBe(64)
    expect(run.stderr.split('\n')).toEqual([
      'fleet-forward: 5 inputs are invalid:',
      expect.stringMatching(/^fleet-forward: --token: is empty.*FLEET_FORWARD_TOKEN, GITHUB_TOKEN, GITEA_TOKEN\)$/),
      "fleet-forward: --forge: must be auto, github or gitea, got 'gitlab'",
      expect.stringMatching(/^fleet-forward: --settle-budget: must be a number of seconds/),
      'fleet-forward: --tenants: is empty: pass tenants or tenants-file',
      "fleet-forward: --repository (or GITHUB_REPOSITORY): must be owner/name, got ''",
      'Nothing was contacted. See fleet-forward --help.',
      ''
    ])
    expect(forge.requests).toHaveLength(0)
    expect(controlPlane.calls).toHaveLength(0)
  })

  it('names the variable a bad value came from', async () => {
    const run = await cli(baseFlags(), { env: { FLEET_FORWARD_TOKEN: TOKEN, FLEET_FORWARD_SETTLE_INTERVAL: '0' } })
    // The flag is given, so it wins over the variable.
    expect(run.code).toBe(0)
    const flags = baseFlags().filter((_, i, all) => all[i] !== '--settle-interval' && all[i - 1] !== '--settle-interval')
    const bad = await cli(flags, { env: { FLEET_FORWARD_TOKEN: TOKEN, FLEET_FORWARD_SETTLE_INTERVAL: '0' } })
    expect(bad.code).toBe(64)
    expect(bad.stderr).toMatch(/^fleet-forward: --settle-interval \(from FLEET_FORWARD_SETTLE_INTERVAL\): must be a number of seconds from 1/m)
  })

  it('checks the proxy variables the CLI goes out through with the flags, naming the variable', async () => {
    const run = await cli(baseFlags(), { env: { FLEET_FORWARD_TOKEN: TOKEN, HTTPS_PROXY: 'http://deploy:pr0xy-pass@[bad' } })
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/^fleet-forward: HTTPS_PROXY: is not a URL: 'http:\/\/\[bad'; write the proxy as http:\/\/host:port$/m)
    expect(run.stderr).not.toContain('pr0xy-pass')
    expect(forge.requests).toHaveLength(0)
  })

  it('says where a token comes from when there is none', async () => {
    const run = await cli(baseFlags(), { env: {} })
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/^fleet-forward: --token: is empty.*FLEET_FORWARD_TOKEN, GITHUB_TOKEN, GITEA_TOKEN/m)
  })
})

describe('fleet-forward help', () => {
  it('prints the help and exits 0', async () => {
    const run = await cli(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Exit codes:$/m)
  })

  it('a bare fleet-forward prints the help on stderr and exits 64 without deploying', async () => {
    const run = await cli([])
    expect(run.code).toBe(64)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^Exit codes:$/m)
    expect(run.stderr).toMatch(/run `fleet-forward deploy`$/m)
    expect(forge.requests).toHaveLength(0)
  })
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
