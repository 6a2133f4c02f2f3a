import { readFileSync } from 'node:fs'
import { INPUTS, OUTPUTS } from '../../src/config/inputs.js'

/** The names under a top-level key of action.yml (two-space indented keys). */
function keysUnder(yaml: string, section: string): string[] {
  const block = yaml.split(new RegExp(`^${section}:\\n`, 'm'))[1].split(/^\S/m)[0]
  return [...block.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1])
}

describe('action.yml', () => {
  const yaml = readFileSync('action.yml', 'utf8')

  it('declares exactly the inputs and outputs of the README', () => {
    expect(keysUnder(yaml, 'inputs')).toEqual(INPUTS.map((i) => i.name))
    expect(keysUnder(yaml, 'outputs')).toEqual(OUTPUTS.map((o) => o.name))
  })

  it('runs the launcher on node20 with an always-run post step', () => {
    expect(yaml).toMatch(/using: node20\n\s+main: dist\/index\.js\n\s+post: dist\/post\.js\n\s+post-if: always\(\)/)
  })

  it('defaults the token to the job token', () => {
    expect(yaml).toMatch(/ {2}token:\n(?: {4}.*\n)*? {4}default: "\$\{\{ github\.token \}\}"/)
  })
})
