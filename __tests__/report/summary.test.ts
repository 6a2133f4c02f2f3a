import { renderSummary } from '../../src/report/summary.js'
import { recordOf, tenant } from '../../test/support/records.js'

/** The Markdown constructs GitHub would render live from text outside a code span. */
const LIVE_MARKDOWN = /(^|[^`])(\[[^\]]*\]\([^)]*\)|<[a-z!/])/i

/** The code spans of one line, with the text outside them. */
function outsideCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, '')
}

describe('job summary: nothing remote renders', () => {
  const hostile = [
    'control plane said: [re-authenticate here](https://evil.example/login)',
    '![pixel](https://evil.example/p.gif)',
    '<img src=https://evil.example/p.gif> <a href="https://evil.example">x</a>',
    '`closing` ``fences`` | a pipe | @someone :tada: https://evil.example/auto'
  ].join(' ')

  it('shows the message literally, as one code span longer than any backtick run in it', () => {
    const summary = renderSummary(recordOf(hostile, [tenant('ana', 'stale')]))
    const line = summary.split('\n').find((l) => l.includes('re-authenticate'))!
    expect(line).toBe(`\`\`\`${hostile}\`\`\``)
    expect(outsideCodeSpans(line).trim()).toBe('')
  })

  it('leaves no link, image or HTML outside a code span anywhere in the summary', () => {
    const summary = renderSummary(recordOf(hostile, [tenant('ana', 'stale'), tenant('bo', 'converged')]))
    for (const line of summary.split('\n')) expect(outsideCodeSpans(line)).not.toMatch(LIVE_MARKDOWN)
  })

  it('shows tenant names as code spans in the table', () => {
    const summary = renderSummary(recordOf('stale', [tenant('ana.prod-1', 'stale')]))
    expect(summary).toContain('| `ana.prod-1` | 🔴 stale |')
  })
})

describe('job summary: a message that starts or ends with a backtick', () => {
  it('is padded inside its fence, so the fence stays whole', () => {
    const summary = renderSummary(recordOf('`tick` at both ends `', []))
    expect(summary).toContain('`` `tick` at both ends ` ``')
  })
})
