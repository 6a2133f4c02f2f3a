import { neutralize } from '../../src/util/sanitize.js'

/** What the runner would treat as a workflow command: a line starting with `::` or `##[`, after trimming. */
function runnerWouldParse(text: string): boolean {
  return text.split(/\r\n|\r|\n/).some((line) => /^\s*(::|##\[)/.test(line))
}

describe('neutralize', () => {
  it.each([
    '::add-mask::hunter2',
    '::set-output name=result::deployed',
    '##[error]forged failure',
    '::stop-commands::token123',
    'ok\r::warning::hidden behind a lone carriage return',
    'line\n::error::second line',
    ' \t::notice::behind leading white space'
  ])('defuses %j', (hostile) => {
    expect(runnerWouldParse(hostile)).toBe(true)
    const safe = neutralize(hostile)
    expect(runnerWouldParse(safe)).toBe(false)
    // eslint-disable-next-line no-control-regex -- ESC is exactly the character that must not survive
    expect(safe).not.toMatch(/::|##\[|[\r\n\u001b]/)
  })

  it('keeps ordinary text readable and bounds its length', () => {
    expect(neutralize('connection refused')).toBe('connection refused')
    expect(neutralize('x'.repeat(2000))).toHaveLength(513)
  })
})

test('neutralize strips terminal escape sequences', () => {
  expect(neutralize('\u001b[2Kred\u001b[0m')).not.toContain('\u001b')
})
