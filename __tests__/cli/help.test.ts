import { readFileSync } from 'node:fs'
import { INPUTS } from '../../src/config/inputs.js'
import { EXIT_CODE_MEANINGS, EXIT_CODES, EXIT_USAGE, exitCodeOf } from '../../src/cli/exit-codes.js'
import { CONTEXT_FLAGS } from '../../src/cli/flags.js'
import { renderHelp } from '../../src/cli/help.js'
import type { Result } from '../../src/types.js'

describe('--help', () => {
  const help = renderHelp()

  it('explains every input, with its default', () => {
    for (const spec of INPUTS) expect(help.split('\n').find((l) => l.startsWith(`  --${spec.name} `))).toBeDefined()
    for (const spec of INPUTS.filter((s) => s.default)) {
      expect(help.replace(/\s+/g, ' ')).toContain(`--${spec.name} ${spec.default === 'true' || spec.default === 'false' ? '[true|false]' : '<value>'} `)
      expect(help.replace(/\s+/g, ' ')).toContain(`(default: ${spec.default})`)
    }
  })

  it('lists the run context flags with their variables, and where tokens come from', () => {
    for (const spec of CONTEXT_FLAGS) expect(help).toMatch(new RegExp(`--${spec.flag} <value>[\\s\\S]*?env\\s+${spec.env}`))
    expect(help).toContain('FLEET_FORWARD_TOKEN, GITHUB_TOKEN, GITEA_TOKEN')
    expect(help).toContain('FLEET_FORWARD_REDEPLOY_TOKEN')
    expect(help).toContain('FLEET_FORWARD_REGISTRY_PASSWORD')
  })

  it('documents the exit code of every result and of bad usage', () => {
    const codes = help.split('Exit codes:')[1]
    for (const [result, code] of Object.entries(EXIT_CODES)) expect(codes).toMatch(new RegExp(`^  ${code} +.*${result}`, 'm'))
    expect(codes).toMatch(new RegExp(`^  ${EXIT_USAGE} +bad usage`, 'm'))
  })

  it('writes no line wider than a terminal', () => {
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(110)
  })
})

describe('exit codes', () => {
  it('green results exit 0, each red result has its own non-zero code', () => {
    const green: Result[] = ['deployed', 'noop', 'planned', 'superseded']
    const red: Result[] = ['stale', 'blocked', 'failed', 'aborted']
    for (const result of green) expect(exitCodeOf(result)).toBe(0)
    const redCodes = red.map(exitCodeOf)
    expect(new Set(redCodes).size).toBe(red.length)
    expect(redCodes.every((code) => code > 0 && code !== EXIT_USAGE)).toBe(true)
  })
})

describe('the exit code table', () => {
  it('the README shows exactly the table --help prints', () => {
    const readme = readFileSync('README.md', 'utf8')
    const rows = [...readme.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]])
    expect(rows).toEqual(EXIT_CODE_MEANINGS.map(([code, meaning]) => [code, meaning]))
  })
})
