import { INPUTS } from '../../src/config/inputs.js'
import { CONTEXT_FLAGS, envNameOf, parseInvocation, UsageError } from '../../src/cli/flags.js'
import { flagFor, inputReader, runtimeEnvOf } from '../../src/cli/run-inputs.js'

function usageError(argv: string[]): UsageError {
  try {
    parseInvocation(argv)
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  throw new Error(`no usage error for ${argv.join(' ')}`)
}

describe('parseInvocation', () => {
  it('maps every input to a flag of the same name', () => {
    const valueOf = (i: number): string => (['true', 'false'].includes(INPUTS[i].default) ? 'false' : `value-${i}`)
    const argv = INPUTS.flatMap((spec, i) => [`--${spec.name}`, valueOf(i)])
    const invocation = parseInvocation(['deploy', ...argv])
    expect(invocation.command).toBe('deploy')
    INPUTS.forEach((spec, i) => expect(invocation.inputs.get(spec.name)).toBe(valueOf(i)))
  })

  it('deploys when no command is named, and accepts --flag=value', () => {
    const invocation = parseInvocation(['--settle-budget=30', '--settle-interval', '5'])
    expect(invocation.command).toBe('deploy')
    expect(Object.fromEntries(invocation.inputs)).toEqual({ 'settle-budget': '30', 'settle-interval': '5' })
  })

  it('reads a boolean input alone as true and keeps an explicit value', () => {
    const invocation = parseInvocation(['--dry-run', '--lock', 'false', '--allow-rollback=false', '--settle-budget', '3'])
    expect(invocation.inputs.get('dry-run')).toBe('true')
    expect(invocation.inputs.get('lock')).toBe('false')
    expect(invocation.inputs.get('allow-rollback')).toBe('false')
    expect(invocation.inputs.get('settle-budget')).toBe('3')
  })

  it('maps the run context flags onto the runner variables', () => {
    const argv = CONTEXT_FLAGS.flatMap((spec) => [`--${spec.flag}`, `x-${spec.env}`])
    const invocation = parseInvocation(argv)
    for (const spec of CONTEXT_FLAGS) expect(invocation.context[spec.env]).toBe(`x-${spec.env}`)
  })

  it('no context flag shadows an input', () => {
    const inputs = new Set(INPUTS.map((spec) => spec.name))
    for (const spec of CONTEXT_FLAGS) expect(inputs.has(spec.flag)).toBe(false)
  })

  it('names an unknown flag, and the real one when it is a near miss', () => {
    expect(usageError(['--tennants', 'x']).flag).toBe('--tennants')
    expect(usageError(['--tennants', 'x']).message).toMatch(/unknown flag '--tennants'/)
    expect(usageError(['--settle_budget', '3']).message).toMatch(/did you mean --settle-budget\?/)
  })

  it('names a flag given without its value', () => {
    const error = usageError(['--settle-budget'])
    expect(error.flag).toBe('--settle-budget')
    expect(error.message).toMatch(/--settle-budget needs a value/)
    expect(usageError(['--json=yes']).message).toMatch(/--json takes no value/)
  })

  it('refuses stray words and unknown commands', () => {
    expect(usageError(['deploy', 'now']).message).toMatch(/unexpected argument 'now'/)
    expect(usageError(['deplyo']).message).toMatch(/unknown command 'deplyo'/)
  })

  it('refuses deploy inputs on demo, which brings its own stage', () => {
    expect(usageError(['demo', '--sha', '7f25373']).flag).toBe('--sha')
    expect(usageError(['demo', '--api-url', 'http://x']).flag).toBe('--api-url')
    expect(usageError(['demo', '--json']).flag).toBe('--json')
    expect(parseInvocation(['demo']).command).toBe('demo')
  })

  it('help wins over any command', () => {
    expect(parseInvocation(['deploy', '--help']).command).toBe('help')
    expect(parseInvocation(['-h']).command).toBe('help')
    expect(parseInvocation(['help']).command).toBe('help')
  })

  it('lists the secrets that were passed as flags', () => {
    const invocation = parseInvocation(['--token', 'ghs_x', '--redeploy-token', 'r', '--registry-username', 'u'])
    expect(invocation.secretsOnCommandLine).toEqual(['token', 'redeploy-token'])
  })
})

describe('input sources', () => {
  it('a flag wins over FLEET_FORWARD_<INPUT>, which wins over the default', () => {
    const read = inputReader(parseInvocation(['--settle-budget', '30']), { FLEET_FORWARD_SETTLE_BUDGET: '90', FLEET_FORWARD_SETTLE_INTERVAL: '7' })
    expect(read('settle-budget')).toBe('30')
    expect(read('settle-interval')).toBe('7')
    expect(read('environment')).toBe('')
    expect(envNameOf('redeploy-token')).toBe('FLEET_FORWARD_REDEPLOY_TOKEN')
  })

  it('reads the token from FLEET_FORWARD_TOKEN, then GITHUB_TOKEN, then GITEA_TOKEN', () => {
    const invocation = parseInvocation([])
    expect(inputReader(invocation, { GITEA_TOKEN: 'c' })('token')).toBe('c')
    expect(inputReader(invocation, { GITHUB_TOKEN: 'b', GITEA_TOKEN: 'c' })('token')).toBe('b')
    expect(inputReader(invocation, { FLEET_FORWARD_TOKEN: 'a', GITHUB_TOKEN: 'b' })('token')).toBe('a')
    expect(inputReader(parseInvocation(['--token', 'f']), { FLEET_FORWARD_TOKEN: 'a' })('token')).toBe('f')
  })

  it('takes runner variables from flags first, then from the environment', () => {
    const env = runtimeEnvOf(parseInvocation(['--repository', 'acme/flag']), {
      GITHUB_REPOSITORY: 'acme/env',
      GITHUB_API_URL: 'https://gitea.example/api/v1',
      GITHUB_SHA: 'abcdef0',
      GITEA_ACTIONS: 'true'
    })
    expect(env).toMatchObject({ GITHUB_REPOSITORY: 'acme/flag', GITHUB_API_URL: 'https://gitea.example/api/v1', GITHUB_SHA: 'abcdef0', GITEA_ACTIONS: 'true' })
  })

  it('names the flag, and where a bad value came from when not from it', () => {
    expect(flagFor('settle-budget', parseInvocation(['--settle-budget', 'x']), {})).toBe('--settle-budget')
    expect(flagFor('settle-budget', parseInvocation([]), { FLEET_FORWARD_SETTLE_BUDGET: 'x' })).toBe('--settle-budget (from FLEET_FORWARD_SETTLE_BUDGET)')
    expect(flagFor('sha (from GITHUB_SHA)', parseInvocation([]), {})).toBe('--sha (from GITHUB_SHA)')
    expect(flagFor('GITHUB_REPOSITORY', parseInvocation([]), {})).toBe('--repository (or GITHUB_REPOSITORY)')
    expect(flagFor('repository', parseInvocation(['--repository', 'x']), {})).toBe('--repository')
  })
})

describe('--version', () => {
  it('is a command of its own, taking no value', () => {
    expect(parseInvocation(['--version']).command).toBe('version')
    expect(parseInvocation(['-V']).command).toBe('version')
    expect(() => parseInvocation(['--version=1'])).toThrow('--version takes no value')
  })
})
