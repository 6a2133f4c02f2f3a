/**
 * The committed bundle as a user runs it: `node dist/cli.js …` in its own process, so the shebang
 * launcher, the lib bundle and the signal handling are what is tested.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { RunRecord } from '../../src/stages/record.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { NEWER, OLDER } from '../../test/support/memory-forge.js'

const CLI = resolve('dist/cli.js')
const TOKEN = 'ghs_fake_token'

interface Exit {
  code: number | null
  stdout: string
  stderr: string
}

function runBundle(argv: string[], env: Record<string, string>, onStderr?: (all: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, ...argv], { env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    onStderr?.(stderr, (signal) => child.kill(signal))
  })
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })))
}

describe('dist/cli.js', () => {
  it('is an executable script that runs with plain node', async () => {
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    const help = await runBundle(['help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Exit codes:$/m)
  })

  it("--version prints package.json's version", async () => {
    const run = await runBundle(['--version'], {})
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`fleet-forward ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`)
  })

  it('on Node 16 outside a runner, says so in a plain line, not a workflow command', async () => {
    const run = await runBundle(['help'], { NODE_OPTIONS: `--require ${resolve('test/support/pretend-node16.cjs')}` })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^error: fleet-forward needs Node\.js 20 or newer, but this job runs Node\.js v16\.20\.2/)
    expect(run.stdout).not.toMatch(/^::/m)
  })

  it('exits 64 on an unknown flag, naming it', async () => {
    const run = await runBundle(['deploy', '--tenant', 'x'], {})
    expect(run.code).toBe(64)
    expect(run.stderr).toMatch(/unknown flag '--tenant'/)
  })

  describe('against a fake forge and fleet', () => {
    let forge: FakeGitHub
    let fleet: FakeFleet

    beforeEach(async () => {
      forge = new FakeGitHub({ token: TOKEN })
      forge.addCommit(OLDER)
      forge.addCommit(NEWER, [OLDER])
      forge.setBranch('main', NEWER)
      await forge.start()
      fleet = await startFakeFleet({ sha: OLDER })
    })

    afterEach(async () => {
      await Promise.all([forge.close(), fleet.close()])
    })

    it('SIGINT during verify aborts the run: exit 4 and a record that says aborted', async () => {
      const argv = [
        'deploy',
        '--json',
        '--repository',
        'acme/fleet',
        '--api-url',
        forge.apiUrl,
        '--sha',
        NEWER,
        '--branch',
        'main',
        '--tenants',
        `hongming ${fleet.url('hongming')}`,
        '--settle-budget',
        '600',
        '--settle-interval',
        '1'
      ]
      let sent = false
      const run = await runBundle(argv, { FLEET_FORWARD_TOKEN: TOKEN }, (all, kill) => {
        if (!sent && /^round 1:/m.test(all)) {
          sent = true
          kill('SIGINT')
        }
      })
      expect(run.code).toBe(4)
      const record = JSON.parse(run.stdout) as RunRecord
      expect(record.result).toBe('aborted')
      expect(record.message).toMatch(/received SIGINT/)
      expect(run.stderr).toMatch(/aborted \(red\)/)
    })

    const deployTo = (repository: string): string[] => [
      'deploy',
      '--json',
      '--repository',
      repository,
      '--api-url',
      forge.apiUrl,
      '--sha',
      NEWER,
      '--tenants',
      `hongming ${fleet.url('hongming')}`
    ]

    it('a repository the token cannot see exits 3 at once with a not_found record (no --branch: the default branch is asked for)', async () => {
      const run = await runBundle([...deployTo('acme/secret'), '--settle-budget', '600', '--lock-timeout', '600'], { FLEET_FORWARD_TOKEN: TOKEN })
      expect(run.code).toBe(3)
      const record = JSON.parse(run.stdout) as RunRecord
      expect(record).toMatchObject({ result: 'failed', error_class: 'not_found' })
      expect(record.message).toMatch(/^repository 'acme\/secret' cannot be seen with this token \(GET \/repos\/acme\/secret answered 404\)/)
      expect(forge.requests.every((req) => req.method === 'GET')).toBe(true)
      expect(fleet.stats().requests).toBe(0)
    })

    it('a proxy with nothing listening exits 3 at once with a proxy record naming it', async () => {
      const closed = createServer()
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
      const proxy = `127.0.0.1:${(closed.address() as AddressInfo).port}`
      await new Promise((resolve) => closed.close(resolve))
      const run = await runBundle([...deployTo('acme/fleet'), '--settle-budget', '600', '--lock-timeout', '600'], {
        FLEET_FORWARD_TOKEN: TOKEN,
        HTTP_PROXY: `http://${proxy}`
      })
      expect(run.code).toBe(3)
      const record = JSON.parse(run.stdout) as RunRecord
      expect(record).toMatchObject({ result: 'failed', error_class: 'proxy' })
      expect(record.message).toContain(`proxy ${proxy} could not be connected to`)
      expect(forge.requests).toEqual([])
    })

    it('prints each warning once, prefixed, and never again as a plain line (branch head unreadable: the run fails open)', async () => {
      forge.failNext(/\/git\/ref\/heads\/main$/, { status: 502, body: { message: 'Server Error' } }, 1000)
      fleet.setDefaultSha(NEWER)
      const argv = ['deploy', '--repository', 'acme/fleet', '--api-url', forge.apiUrl, '--sha', OLDER, '--branch', 'main']
      const run = await runBundle([...argv, '--tenants', `hongming ${fleet.url('hongming')}`, '--settle-budget', '5', '--settle-interval', '1'], {
        FLEET_FORWARD_TOKEN: TOKEN
      })
      expect(run.code).toBe(0)
      const lines = run.stdout.split('\n').filter((line) => line !== '')
      const warnings = lines.filter((line) => line.startsWith('warning: '))
      expect(warnings).toEqual([expect.stringMatching(/^warning: could not read the head of branch 'main' \(http_5xx/)])
      for (const warning of warnings) {
        const text = warning.slice('warning: '.length)
        expect(lines.filter((line) => line.includes(text))).toEqual([warning])
      }
    })
  })
})
