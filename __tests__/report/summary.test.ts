import { MAX_SUMMARY_BYTES, renderSummary } from '../../src/report/summary.js'
import type { PromotionRecord, RunRecord } from '../../src/stages/record.js'
import { haltedFleet, plannedFleet, recordOf, tenant } from '../../test/support/records.js'

/** GitHub's limit for one step's summary. */
const GITHUB_SUMMARY_LIMIT = 1024 * 1024

/** The Markdown constructs GitHub would render live from text outside a code span. */
const LIVE_MARKDOWN = /(^|[^`])(\[[^\]]*\]\([^)]*\)|<[a-z!/])/i

/** The code spans of one line, with the text outside them. */
function outsideCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, '')
}

/** The line without what the summary itself adds: folds, and links into the record's own repository. */
function withoutOwnMarkup(line: string): string {
  return line.replace(/<\/?(details|summary)>/g, '').replace(/\[[^\]]*\]\(https:\/\/github\.com\/acme\/fleet\/(actions\/runs\/7|commit\/[0-9a-f]{40})\)/g, '')
}

/** Every link target in the summary. */
function linkTargets(summary: string): string[] {
  return [...outsideCodeSpans(summary).matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1])
}

interface Rendered {
  readonly lines: string[]
  /** Line index of the first fold: everything before it is what a reader sees first. */
  readonly firstFold: number
  /** Attention rows (tenant name → its row, a table row or a list of names, and the title of its group), all before the first fold. */
  readonly attentionRows: Map<string, { row: string; group: string }>
}

/** Reads the summary the way GitHub lays it out: what is open, what is folded, which rows are where. */
function read(summary: string): Rendered {
  const lines = summary.split('\n')
  const firstFold = lines.indexOf('<details>') === -1 ? lines.length : lines.indexOf('<details>')
  const start = lines.findIndex((l) => l.startsWith('### Needs attention'))
  const attentionRows = new Map<string, { row: string; group: string }>()
  let group = ''
  if (start !== -1) {
    for (const line of lines.slice(start, firstFold)) {
      if (line.startsWith('**🔴')) group = line
      const names = [...line.matchAll(/`(tenant-[^`]+)`/g)].map((m) => m[1])
      for (const name of names) attentionRows.set(name, { row: line, group })
    }
  }
  return { lines, firstFold, attentionRows }
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

  it('leaves no link, image or HTML outside a code span but its own folds and links to the repository', () => {
    const record = { ...recordOf(hostile, [tenant('ana', 'stale'), tenant('bo', 'converged')]), waves: haltedFleet(9).waves }
    const summary = renderSummary(record)
    expect(summary).toContain('<details>')
    expect(linkTargets(summary)).toContain('https://github.com/acme/fleet/actions/runs/7')
    for (const line of summary.split('\n')) expect(withoutOwnMarkup(outsideCodeSpans(line))).not.toMatch(LIVE_MARKDOWN)
  })

  it('shows tenant names as code spans in the attention table', () => {
    const summary = renderSummary(recordOf('stale', [tenant('ana.prod-1', 'stale')]))
    expect(summary).toContain('| `ana.prod-1` | – | – | – | 3 |')
  })

  it.each([
    ['a run URL that is not a run page', { run_url: 'https://github.com/acme/fleet' }],
    ['a run URL with Markdown in it', { run_url: 'https://evil.example/x)[y](https://github.com/acme/fleet/actions/runs/7' }],
    ['a run URL of another repository', { repository: 'other/repo' }]
  ])('builds no commit link from %s', (_, change) => {
    const summary = renderSummary({ ...recordOf('stale', [tenant('ana', 'stale')]), ...change })
    expect(linkTargets(summary).filter((url) => url.includes('/commit/'))).toEqual([])
    expect(summary).not.toContain('evil.example')
  })
})

describe('job summary: links to the run, its deployment and the environment', () => {
  const deployed = (environmentUrl: string | null): RunRecord => ({
    ...recordOf('deployed', [tenant('ana', 'converged')], 'deployed'),
    deployment: { id: 41, environment_url: environmentUrl }
  })

  it('links the deployments page and the environment-url beside the run log when the run created a deployment', () => {
    const summary = renderSummary(deployed('https://app.example.com/'))
    expect(linkTargets(summary)).toEqual(
      expect.arrayContaining(['https://github.com/acme/fleet/actions/runs/7', 'https://github.com/acme/fleet/deployments', 'https://app.example.com/'])
    )
    expect(summary).toContain(
      ' · [run log](https://github.com/acme/fleet/actions/runs/7) · [deployment](https://github.com/acme/fleet/deployments) · [environment](https://app.example.com/)'
    )
  })

  it('links no deployment when the run created none (Gitea, nothing rolled)', () => {
    const summary = renderSummary(recordOf('deployed', [tenant('ana', 'converged')], 'deployed'))
    expect(linkTargets(summary).filter((url) => /deployments|app\.example/.test(url))).toEqual([])
  })

  it('links no environment whose address could end the link or start HTML', () => {
    const summary = renderSummary(deployed('https://app.example.com/x)[y](https://evil.example/)'))
    expect(summary).not.toContain('evil.example')
    expect(linkTargets(summary)).toContain('https://github.com/acme/fleet/deployments')
  })
})

describe('job summary: a message that starts or ends with a backtick', () => {
  it('is padded inside its fence, so the fence stays whole', () => {
    const summary = renderSummary(recordOf('`tick` at both ends `', []))
    expect(summary).toContain('`` `tick` at both ends ` ``')
  })
})

/** The overview's line for each unreachable class, in the order the summary groups them. */
function unreachableCounts(failing: readonly { state: string; error_class: string | null }[]): string[] {
  const counts = new Map<string, number>()
  for (const t of failing) if (t.state === 'unreachable') counts.set(t.error_class!, (counts.get(t.error_class!) ?? 0) + 1)
  return [...counts].map(([cls, n]) => `- 🔴 unreachable · ${cls}: ${n}`)
}

describe('job summary: verdict first at any size', () => {
  it.each([8, 600, 10_000])('%i tenants: verdict, counts, then every failing tenant before anything folded', (size) => {
    const record = haltedFleet(size)
    const summary = renderSummary(record)
    const { lines, firstFold, attentionRows } = read(summary)
    const failing = record.tenants.filter((t) => t.state === 'stale' || t.state === 'unreachable')

    expect(Buffer.byteLength(summary)).toBeLessThan(GITHUB_SUMMARY_LIMIT)
    expect(lines[0]).toBe('## ❌ fleet-forward · production · stale')
    expect(lines[4]).toMatch(new RegExp(`^\\*\\*${size} tenants:\\*\\* 🔴 \\d+ stale · 🔴 \\d+ unreachable · ⚪ \\d+ not attempted · 🟢 \\d+ converged`))
    expect(lines.findIndex((l) => l.startsWith('### Needs attention'))).toBe(6)
    // Nothing failing omitted, each with its actual commit and error class, none of it folded.
    expect([...attentionRows.keys()].sort()).toEqual(failing.map((t) => t.name).sort())
    for (const t of failing) {
      const { row, group } = attentionRows.get(t.name)!
      expect(row).toMatch(t.actual ? `\`${t.actual.slice(0, 7)}\`` : /\| – \||at an unknown commit/)
      expect(group).toMatch(t.error_class ? `🔴 unreachable · ${t.error_class} (` : '🔴 stale (')
    }
    // Up to 50 needing attention, a table per group; more than a screenful lists every group and its count first, then names by commit.
    const firstBlock = lines.slice(8, lines.indexOf('', 8))
    const overview = ['- 🔴 stale: ' + failing.filter((t) => t.state === 'stale').length, ...unreachableCounts(failing)]
    const staleTableTitle = [expect.stringMatching(/^\*\*🔴 stale \(\d+\)\*\* — /)]
    expect(firstBlock).toEqual(failing.length > 50 ? overview : staleTableTitle)
    // Green and untouched tenants are folded, after the waves picture.
    const waves = lines.findIndex((l) => l.startsWith('**Waves**'))
    expect(waves).toBeGreaterThan(lines.findIndex((l) => l.startsWith('### Needs attention')))
    expect(waves).toBeLessThan(firstFold)
    const open = lines.slice(0, firstFold).join('\n')
    for (const t of record.tenants.filter((t) => t.state === 'converged')) expect(open).not.toContain(`\`${t.name}\``)
    expect(summary).toContain(`<summary>🟢 ${record.tenants.filter((t) => t.state === 'converged').length} converged or ahead</summary>`)
  })

  it('gives every group of failing tenants its hint once, stale first', () => {
    const summary = renderSummary(haltedFleet(600))
    const titles = summary.split('\n').filter((l) => /^\*\*🔴 (stale|unreachable)/.test(l))
    expect(titles[0]).toMatch(/^\*\*🔴 stale \(50\)\*\* — did not pick up the new image: check its rollout \/ restart it$/)
    for (const cls of ['dns', 'refused', 'connect_timeout', 'tls', 'http_5xx', 'deadline']) {
      expect(titles.filter((t) => t.startsWith(`**🔴 unreachable · ${cls} (`))).toHaveLength(1)
    }
    expect(new Set(titles.map((t) => t.split(' — ')[1])).size).toBe(titles.length)
  })

  it('groups tenants that went backward apart from those that never moved, each with its own hint', () => {
    const tenants = [tenant('ana', 'stale'), { ...tenant('bo', 'stale'), regressed: true }, tenant('cy', 'converged')]
    const titles = renderSummary({ ...recordOf('stale', tenants), tenants })
      .split('\n')
      .filter((l) => l.startsWith('**🔴'))
    expect(titles).toEqual([
      '**🔴 stale (1)** — did not pick up the new image: check its rollout / restart it',
      '**🔴 stale · regressed (1)** — reported the new commit, then went back to an older one: check for a crash loop or something rolling it back'
    ])
  })

  it('lists a fleet too large for a table per tenant compactly, still whole, under the limit', () => {
    const long = (i: number) => `tenant-${String(i).padStart(5, '0')}-${'x'.repeat(57)}`
    const tenants = Array.from({ length: 10_000 }, (_, i) => ({ ...tenant(long(i), 'unreachable'), wave: 1 }))
    const summary = renderSummary({ ...recordOf('10000 tenant(s) not converged', tenants), tenants })
    expect(Buffer.byteLength(summary)).toBeLessThan(GITHUB_SUMMARY_LIMIT)
    expect(summary).not.toContain('| tenant | actual |')
    expect(summary).toContain(`- at an unknown commit: \`${long(0)}\` \`${long(1)}\``)
    expect(read(summary).attentionRows.size).toBe(10_000)
    expect(summary).toContain('### Needs attention (10000)\n\n- 🔴 unreachable · refused: 10000\n\n**🔴 unreachable · refused (10000)** — ')
  })

  it('says how many it leaves out only when even the compact list cannot fit', () => {
    const tenants = Array.from({ length: 10 }, (_, i) => ({ ...tenant(`tenant-${i}`, 'stale'), wave: 1 }))
    const summary = renderSummary({ ...recordOf('stale', tenants), tenants }, 600)
    expect(summary).toContain('… 10 more tenants need attention: see the `report` output and the history file.')
    expect(renderSummary({ ...recordOf('stale', tenants), tenants }, MAX_SUMMARY_BYTES)).not.toContain('more tenants need attention')
  })
})

describe('job summary: runs that ended early', () => {
  const pending = ['ana', 'bo', 'cy'].map((n) => ({ ...tenant(n, 'pending'), wave: null }))
  const ended = (result: RunRecord['result'], message: string): string =>
    renderSummary({ ...recordOf(message, pending, result), head_sha: 'b0a1c2d'.padEnd(40, '3'), tenants: pending })

  it('superseded before it touched anything: the fleet was not touched, and the commit that owns the branch is named with where it stands', () => {
    const summary = ended('superseded', "superseded: branch 'main' is owned by b0a1c2d (ahead of this run's 7f25373); this run skips every side effect")
    expect(summary).toContain('**3 tenants:** not touched · [run log]')
    expect(summary).toContain(
      "**Not touched:** the branch head [`b0a1c2d`](https://github.com/acme/fleet/commit/b0a1c2d333333333333333333333333333333333) (ahead of this run's `7f25373`) owns production; its run deploys the fleet, and this run told no tenant to roll."
    )
    // Neither pending counts nor "the fleet must report" this run's older commit.
    expect(summary).not.toMatch(/pending|not verified|the fleet must report/)
    expect(summary).toContain("| this run's commit | owns the branch | image tag | elapsed | verify rounds |")
    expect(summary).not.toContain('`ana`')
    expect(summary).not.toContain('Needs attention')
  })

  it.each([
    ['behind', 'behind'],
    ['diverged from', 'diverged from']
  ])('superseded by a branch head %s this run’s commit: says so, not "a newer commit"', (relation) => {
    const summary = ended('superseded', `superseded: branch 'main' is owned by b0a1c2d (${relation} this run's 7f25373); this run skips every side effect`)
    expect(summary).toContain(`(${relation} this run's \`7f25373\`) owns production`)
    expect(summary).not.toContain('newer')
  })

  it('superseded after it told tenants to roll: says what it did not verify', () => {
    const rolled = pending.map((t) => ({ ...t, redeployed: true }))
    const summary = renderSummary({
      ...recordOf("superseded: branch 'main' is owned by b0a1c2d (ahead of this run's 7f25373)", rolled, 'superseded'),
      tenants: rolled
    })
    expect(summary).toContain('**Not done:** 3 of 3 tenants were not verified: the branch head ')
    expect(summary).not.toContain('Not touched')
  })

  it.each([
    ['blocked', 'the run was refused (by the gate, the lock or the promotion; the message says which)'],
    ['aborted', 'the run was cancelled or stopped before it finished']
  ] as const)('%s: one line saying what was not done and why', (result, why) => {
    const summary = ended(result, 'whatever')
    expect(summary).toContain(`**Not done:** 3 of 3 tenants were not verified: ${why}.`)
    expect(summary).not.toContain('`ana`')
  })
})

describe('job summary: :latest', () => {
  const promotion: PromotionRecord = {
    image: 'ghcr.io/acme/app',
    tag: 'latest',
    status: 'blocked',
    before: { digest: 'sha256:aaaa', revision: 'c'.repeat(40) },
    after: { digest: 'sha256:aaaa', revision: 'c'.repeat(40) }
  }

  it('a red run says what happened to the promote tag', () => {
    const summary = renderSummary({ ...recordOf('promote blocked', [tenant('ana', 'converged')], 'blocked'), promotion })
    expect(summary).toContain('`:latest` was not moved: it would have gone backward.')
    expect(summary).toContain('**Promotion** `ghcr.io/acme/app:latest` (blocked): at ')
    // A tag that stayed where it was is named there, not drawn as a move from itself to itself.
    expect(summary).not.toMatch(/\(blocked\):.*→/)
  })

  it('draws an arrow for a tag that moved', () => {
    const moved: PromotionRecord = { ...promotion, status: 'promoted', after: { digest: 'sha256:bbbb', revision: 'd'.repeat(40) } }
    expect(renderSummary({ ...recordOf('deployed', [tenant('ana', 'converged')], 'deployed'), promotion: moved })).toMatch(/\(promoted\): .* → /)
  })

  it('a red run that ended before the promotion says the tag was not touched, and draws no move', () => {
    const untouched: PromotionRecord = { ...promotion, status: 'not_attempted', before: null, after: null }
    const summary = renderSummary({ ...recordOf('stale', [tenant('ana', 'stale')]), promotion: untouched })
    expect(summary).toContain(
      '**Promotion** `ghcr.io/acme/app:latest` (not attempted): not touched: the run ended before the promotion, which comes only after every wave verified.'
    )
    expect(summary).not.toMatch(/absent|→ /)
  })

  it('a run without a promotion configured says nothing about one', () => {
    expect(renderSummary(recordOf('stale', [tenant('ana', 'stale')]))).not.toContain('latest')
  })
})

describe('job summary: a dry run is a plan', () => {
  it('names every tenant that would roll, wave by wave, by the commit it rolls from, and flags none of them as needing attention', () => {
    const summary = renderSummary(plannedFleet(6))
    expect(summary).not.toContain('Needs attention')
    expect(summary).toContain('**6 tenants:** ⚪ 4 to roll · 🟢 2 converged')
    expect(summary).toContain(
      [
        '### Plan: 4 of 6 tenants would roll to `7f25373`',
        '',
        '**Wave 1** — 1 would roll',
        '',
        '- from `6e14d2c`: `tenant-00001`',
        '',
        '**Wave 2** — 3 would roll',
        '',
        '- from `6e14d2c`: `tenant-00002` `tenant-00004` `tenant-00005`'
      ].join('\n')
    )
  })

  it('a dry run that failed before it read the fleet made no plan, and says so', () => {
    const unread = plannedFleet(20).tenants.map((t) => ({ ...t, state: 'pending' as const, actual: null, before: null, wave: null }))
    const summary = renderSummary({ ...plannedFleet(20), result: 'failed', message: 'HTTP 401: Bad credentials', error_class: 'auth', tenants: unread })
    expect(summary).toMatch(/^## ❌ fleet-forward · production · failed$/m)
    expect(summary).toContain('### No plan was made: the dry run ended `failed` before it read the fleet')
    expect(summary).toContain('**20 tenants:** none read')
    expect(summary).toContain('**Not done:** 20 of 20 tenants were not read: the run failed (`auth`) before it could read them.')
    expect(summary).not.toMatch(/would roll|pending/)
  })

  it('a dry run that could not read part of the fleet calls what it has an incomplete plan', () => {
    const summary = renderSummary({ ...plannedFleet(6), result: 'failed', message: 'dry run could not plan: 1 tenant(s) could not be read' })
    expect(summary).toContain('### Incomplete plan (the dry run ended `failed`): 4 of 6 tenants would roll to `7f25373`')
  })

  it('says what the promotion would do', () => {
    const promotion: PromotionRecord = { image: 'ghcr.io/acme/app', tag: 'latest', status: 'planned', before: null, after: null }
    expect(renderSummary({ ...plannedFleet(3), promotion })).toContain('`:latest` would be moved to this run’s image (dry run: nothing was written).')
  })

  it('names all 6,667 tenants of a 10,000-tenant plan under the limit', () => {
    const record = plannedFleet(10_000)
    const summary = renderSummary(record)
    expect(Buffer.byteLength(summary)).toBeLessThan(GITHUB_SUMMARY_LIMIT)
    const open = summary.slice(0, summary.indexOf('<details>'))
    const named = new Set([...open.matchAll(/`(tenant-\d+)`/g)].map((m) => m[1]))
    expect([...named].sort()).toEqual(record.tenants.filter((t) => t.state === 'stale').map((t) => t.name))
  })
})

describe('job summary: waves', () => {
  it('draws the waves in order: which converged, which halted, which were not attempted', () => {
    const summary = renderSummary(haltedFleet(9))
    expect(summary).toContain('**Waves** 🟢 wave 1 → 🔴 wave 2 → ⚪ wave 3')
    expect(summary).toContain('| 3 | 3 | 0 | ⚪ not attempted | – |')
    expect(summary).toContain('<summary>⚪ 3 not attempted — not touched: an earlier wave halted</summary>')
  })

  it('a single wave needs no picture', () => {
    const record = haltedFleet(9)
    expect(renderSummary({ ...record, waves: record.waves.slice(0, 1) })).not.toContain('**Waves**')
  })
})

describe('unhealthy tenants in the summary', () => {
  it('groups tenants on the new commit whose health check failed by their last status, with a hint, before the fold', () => {
    const record = recordOf('1 tenant(s) did not report 7f25373', [tenant('ana', 'converged'), tenant('bo', 'unhealthy'), tenant('cy', 'stale')])
    const summary = renderSummary(record)
    expect(summary).toContain('🔴 1 unhealthy')
    expect(summary).toMatch(/\*\*🔴 unhealthy · http 503 \(1\)\*\* — runs the new commit but its health check does not pass/)
    expect(summary).toMatch(/\| `bo` \| `7f25373` \| http 503 \|/)
    expect(summary.indexOf('unhealthy · http 503')).toBeLessThan(summary.indexOf('<details>'))
  })
})
