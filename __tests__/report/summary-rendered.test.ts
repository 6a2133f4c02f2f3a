import { marked } from 'marked'
import { renderSummary } from '../../src/report/summary.js'
import type { RunRecord } from '../../src/stages/record.js'
import { haltedFleet, oneStaleFleet } from '../../test/support/records.js'

/**
 * The job summary as HTML, rendered by a GitHub-flavoured Markdown parser the way GitHub renders a step
 * summary: what a reader sees open, what is folded, and that every table (inside the folds too) is a
 * table rather than lines of pipes.
 */
function render(record: RunRecord): { html: string; open: string; folds: string[] } {
  const html = marked.parse(renderSummary(record), { async: false, gfm: true })
  const firstFold = html.indexOf('<details>')
  return {
    html,
    open: firstFold === -1 ? html : html.slice(0, firstFold),
    folds: [...html.matchAll(/<details>([\s\S]*?)<\/details>/g)].map((m) => m[1])
  }
}

const failingOf = (record: RunRecord) => record.tenants.filter((t) => t.state === 'stale' || t.state === 'unreachable')

describe('job summary as rendered: verdict first, nothing failing folded or left out', () => {
  it.each([
    ['8 tenants, halted in wave 2', haltedFleet(8)],
    ['600 tenants, one stale (#551)', oneStaleFleet(600, 551)],
    ['600 tenants, halted in wave 2', haltedFleet(600)],
    ['10,000 tenants, halted in wave 2', haltedFleet(10_000)]
  ])('%s', (_, record) => {
    const { html, open, folds } = render(record)
    expect(html.startsWith(`<h2>❌ fleet-forward · production · ${record.result}</h2>`)).toBe(true)
    const attention = open.indexOf('<h3>Needs attention')
    expect(attention).toBeGreaterThan(0)
    // Every failing tenant is in the open part, after the attention heading, with its commit.
    for (const t of failingOf(record)) {
      const at = open.indexOf(`<code>${t.name}</code>`)
      expect({ tenant: t.name, after: at > attention }).toEqual({ tenant: t.name, after: true })
    }
    // Green tenants are only in the folds, and the folds render their Markdown.
    const green = record.tenants.filter((t) => t.state === 'converged')
    for (const t of green.slice(0, 50)) expect(open).not.toContain(`<code>${t.name}</code>`)
    expect(folds.length).toBeGreaterThan(0)
    for (const fold of folds) expect(fold).toMatch(/^\s*<summary>[^<]+<\/summary>\s*<(table|ul|pre)>/)
    expect(html).not.toContain('|---|')
    expect(html).not.toMatch(/<img|<script|<iframe/)
  })

  it('names the one stale tenant of 600 in its attention row, with the commit it reports and a hint', () => {
    const { open } = render(oneStaleFleet(600, 551))
    expect(open).toContain('<strong>🔴 stale (1)</strong> — did not pick up the new image: check its rollout / restart it')
    expect(open).toMatch(/<tr>\s*<td><code>tenant-00551<\/code><\/td>\s*<td><code>6e14d2c<\/code><\/td>\s*<td>–<\/td>\s*<td>1<\/td>/)
  })
})
