import { jest } from '@jest/globals'
import { forgetSecrets } from '../../src/util/scrub.js'

/**
 * The post step writes to the runner's log through actionsLogger, like the main step: every line passes
 * the boundary (scrubbed, workflow commands defused). An unexpected error while it finishes a deployment
 * the killed main step left open is quoted in a warning, and must not carry the token it read.
 */
const TOKEN = 'ghs_PostStepToken0042'

jest.unstable_mockModule('../../src/stages/deployment.js', () => ({
  abandonDeployment: async () => {
    throw new Error(`unexpected answer quoting ${TOKEN}`)
  }
}))
const { runPost } = await import('../../src/action/post.js')

const STATE = {
  INPUT_TOKEN: TOKEN,
  'STATE_run-context': JSON.stringify({
    environment: 'production',
    environmentUrl: null,
    forge: 'github',
    apiUrl: 'http://127.0.0.1:9/api/v3',
    serverUrl: 'http://127.0.0.1:9',
    repository: 'acme/fleet',
    giteaActions: false,
    runUrl: '',
    sha: '7f25373'.padEnd(40, '0'),
    targetTag: 'staging-7f25373',
    historyFile: null
  }),
  'STATE_open-deployment': '5'
}

afterEach(() => {
  for (const name of Object.keys(STATE)) delete process.env[name]
  forgetSecrets()
  jest.restoreAllMocks()
})

it('quotes an error finishing a leftover deployment with every secret scrubbed', async () => {
  Object.assign(process.env, STATE)
  const written: string[] = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk))
    return true
  })
  await runPost()
  const warnings = written.filter((line) => line.startsWith('::warning::'))
  expect(warnings).toEqual(['::warning::post step could not finish deployment 5: unexpected answer quoting ***\n'])
})
