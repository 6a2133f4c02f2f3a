import { resolve } from 'node:path'
import { errorLine, nodeVersionProblem } from '../../src/entry/guard.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { runDist } from '../../test/support/run-dist.js'

describe('nodeVersionProblem', () => {
  it.each(['v20.0.0', 'v20.20.2', 'v22.11.0', 'v24.1.0'])('accepts %s', (version) => {
    expect(nodeVersionProblem(version, '/usr/bin/node')).toBeNull()
  })

  it.each(['v12.22.12', 'v16.20.2', 'v18.20.4'])('refuses %s, naming it and the fix', (version) => {
    const problem = nodeVersionProblem(version, '/usr/local/bin/node')
    expect(problem).toContain(`this job runs Node.js ${version} (/usr/local/bin/node)`)
    expect(problem).toContain('use an image with Node 20+')
  })
})

describe('errorLine: a workflow command only where a runner reads it', () => {
  it('is a plain line outside a runner', () => {
    expect(errorLine('bad\nthing', {})).toBe('error: bad | thing\n')
  })

  it('on a runner, is one ::error:: command whose data cannot end it or start another', () => {
    const line = errorLine('node at /opt/100%25/node\n::add-mask::x\r::stop-commands::y', { GITHUB_ACTIONS: 'true' })
    expect(line).toBe('::error::node at /opt/100%2525/node | ::add-mask::x | ::stop-commands::y\n')
    expect(line.split('\n').filter(Boolean)).toHaveLength(1)
  })
})

describe('dist/index.js on a job image with Node 16', () => {
  it('stops at once with an error naming the version, before any request', async () => {
    const forge = new FakeGitHub()
    await forge.start()
    try {
      const run = await runDist({
        inputs: { token: 'ghs_fake_token', sha: '7f25373' + '0'.repeat(33), tenants: 'a http://127.0.0.1:9/' },
        env: {
          NODE_OPTIONS: `--require ${resolve('test/support/pretend-node16.cjs')}`,
          GITHUB_REPOSITORY: 'acme/fleet',
          GITHUB_API_URL: forge.apiUrl
        }
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/^::error::fleet-forward needs Node\.js 20 or newer, but this job runs Node\.js v16\.20\.2/m)
      expect(forge.requests).toHaveLength(0)
      expect(run.outputs).toEqual({})
    } finally {
      await forge.close()
    }
  })
})
