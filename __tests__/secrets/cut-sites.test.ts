/**
 * Every place that shortens text (the audit of issue 20: a body cut before it was scrubbed put 34 of a
 * token's 35 characters in every sink) scrubs it whole first: a registered secret that straddles the cut,
 * wherever it starts, leaves none of its beginning. The control plane's error body, the one remote body
 * bounded by a read, is covered end to end by matrix.test.ts and __tests__/action/dist-secrets.test.ts.
 */
import { parseInvocation } from '../../src/cli/flags.js'
import type { RuntimeEnv } from '../../src/config/parse.js'
import { parseSettings } from '../../src/config/parse.js'
import { parseTenants } from '../../src/config/tenants.js'
import { parseBoolean, parseBranch, parseCount, parseHttpUrl, parseName, parseSeconds, parseSha, parseTag } from '../../src/config/validate.js'
import { parseWaveSpec } from '../../src/config/waves.js'
import { createForge } from '../../src/forge/detect.js'
import type { CommitStatus, DeploymentRequest, Forge } from '../../src/forge/types.js'
import { convergenceTimeline, renderLogTable } from '../../src/report/summary.js'
import { startDeployment } from '../../src/stages/deployment.js'
import { writeDeployStatus } from '../../src/stages/status.js'
import { describeError } from '../../src/util/errors.js'
import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'
import { recordOf, tenant } from '../../test/support/records.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const SECRET = 'Qj7_CutSiteSecret0042'
/** Two characters are already a beginning; nothing else any site writes contains them. */
const BEGINNING = SECRET.slice(0, 2)
const SHA = '7f25373'.padEnd(40, '0')

/** A site that shortens text: what it writes when `value` reaches it, and where (roughly) it cuts. */
interface CutSite {
  readonly name: string
  readonly cut: number
  write(value: string): Promise<string> | string
}

const thrown = (parse: () => unknown): string => {
  try {
    parse()
  } catch (error) {
    return describeError(error)
  }
  throw new Error('expected an input error')
}

/** An input value the validators refuse whatever its length: it ends with a space and a '!'. */
const invalid = (value: string): string => `${value} !`

function settingsError(input: string, value: string, env: RuntimeEnv = { GITHUB_REPOSITORY: 'acme/fleet' }): string {
  return thrown(() =>
    parseSettings(
      (name) => (name === input ? value : ''),
      env,
      () => ''
    )
  )
}

const SITES: readonly CutSite[] = [
  {
    name: 'commit status description',
    cut: 140,
    async write(value) {
      const written: CommitStatus[] = []
      const forge = { setStatus: async (_sha: string, status: CommitStatus) => void written.push(status) } as unknown as Forge
      await writeDeployStatus(forge, SHA, 'production', { verified: true, summary: value }, '', new RecordingLogger())
      return JSON.stringify(written)
    }
  },
  {
    name: 'audit note in a commit status description',
    cut: 140 - 'verified; '.length,
    async write(value) {
      const written: CommitStatus[] = []
      const forge = { setStatus: async (_sha: string, status: CommitStatus) => void written.push(status) } as unknown as Forge
      await writeDeployStatus(forge, SHA, 'production', { verified: true, summary: 'verified', audit: value }, '', new RecordingLogger())
      return JSON.stringify(written)
    }
  },
  {
    name: 'deployment description',
    cut: 140 - 'fleet-forward: '.length,
    async write(value) {
      const created: DeploymentRequest[] = []
      const forge = {
        deployments: { createDeployment: async (request: DeploymentRequest) => created.push(request), setDeploymentStatus: async () => undefined }
      } as unknown as Forge
      const settings = { environment: 'production', environmentUrl: null, targetTag: value, run: { runUrl: '' } }
      await startDeployment(forge, settings, SHA, new RecordingLogger())
      return JSON.stringify(created)
    }
  },
  { name: 'job summary log table, tenant column', cut: 24, write: (value) => renderLogTable(recordOf('m', [tenant(value, 'stale')])).join('\n') },
  { name: 'job summary timeline, tenant column', cut: 24, write: (value) => convergenceTimeline(recordOf('m', [tenant(value, 'converged')])).join('\n') },
  { name: 'invalid URL input', cut: 200 - 'https://bad host/'.length, write: (value) => thrown(() => parseHttpUrl(`https://bad host/${value}`, 'tenants')) },
  { name: 'invalid sha input', cut: 80, write: (value) => thrown(() => parseSha(invalid(value), 'sha')) },
  { name: 'invalid tag input', cut: 140, write: (value) => thrown(() => parseTag(invalid(value), 'target-tag')) },
  { name: 'invalid name input', cut: 80, write: (value) => thrown(() => parseName(invalid(value), 'environment')) },
  { name: 'invalid branch input', cut: 80, write: (value) => thrown(() => parseBranch(invalid(value), 'branch')) },
  { name: 'invalid seconds input', cut: 40, write: (value) => thrown(() => parseSeconds(invalid(value), 'settle-budget', 0, 60)) },
  { name: 'invalid count input', cut: 40, write: (value) => thrown(() => parseCount(invalid(value), 'max-parallel', 1, 60)) },
  { name: 'invalid boolean input', cut: 40, write: (value) => thrown(() => parseBoolean(invalid(value), 'dry-run')) },
  {
    name: 'invalid tenant name',
    cut: 60,
    write: (value) =>
      thrown(() => parseTenants(JSON.stringify([{ name: invalid(value), url: 'https://a.example' }]), 'tenants', { buildinfo: '/buildinfo', health: null }))
  },
  { name: 'invalid waves step', cut: 20, write: (value) => thrown(() => parseWaveSpec(invalid(value))) },
  { name: 'invalid buildinfo-path input', cut: 80, write: (value) => settingsError('buildinfo-path', value) },
  { name: 'invalid forge input', cut: 40, write: (value) => settingsError('forge', value) },
  { name: 'invalid sha-field input', cut: 80, write: (value) => settingsError('sha-field', invalid(value).replace(' ', '!')) },
  { name: 'invalid GITHUB_REPOSITORY', cut: 100, write: (value) => settingsError('', '', { GITHUB_REPOSITORY: invalid(value) }) },
  {
    name: 'invalid repository of a forge',
    cut: 100,
    write: (value) =>
      thrown(() =>
        createForge('github', { apiUrl: '', serverUrl: 'https://github.com', repository: invalid(value), token: '', giteaActions: false }, new VirtualClock(0))
      )
  },
  { name: 'unknown CLI command', cut: 40, write: (value) => thrown(() => parseInvocation([value])) },
  { name: 'unexpected CLI argument', cut: 40, write: (value) => thrown(() => parseInvocation(['deploy', value])) }
]

beforeEach(() => registerSecret(SECRET))
afterEach(() => forgetSecrets())

describe.each(SITES)('$name', (site) => {
  it('leaves no beginning of a secret that straddles its cut, wherever the secret starts', async () => {
    const leaks: string[] = []
    for (let start = Math.max(0, site.cut - SECRET.length - 20); start <= site.cut + 5; start++) {
      const written = await site.write(`${'x'.repeat(start)}${SECRET}`)
      if (written.includes(BEGINNING)) leaks.push(`starting at ${start}: ${written}`)
    }
    expect(leaks).toEqual([])
  })
})
