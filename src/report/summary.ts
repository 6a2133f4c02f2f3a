import type { RunRecord } from '../stages/record.js'
import { GREEN_RESULTS } from '../core/types.js'
import { shortSha } from '../util/sha.js'

const MAX_TABLE_ROWS = 500
const TIMELINE_WIDTH = 40

/**
 * The job summary: the verdict, a per-tenant table, and a picture of when each tenant converged.
 * GitHub renders it as Markdown, so every piece of text that is not our own (the message, which can
 * quote a server, tenant names, the image) is shown literally in a code span: a link, an image or HTML
 * in it stays text. States come from our own classification and SHAs are hex.
 */
export function renderSummary(record: RunRecord): string {
  const icon = GREEN_RESULTS.has(record.result) ? '✅' : '❌'
  const lines = [
    `## ${icon} fleet-forward · ${record.environment} · ${record.result}`,
    '',
    literal(record.message),
    '',
    `| commit | expected | branch head | tag | elapsed | rounds |`,
    `|---|---|---|---|---|---|`,
    `| \`${shortSha(record.sha)}\` | ${sha(record.expected_sha)} | ${sha(record.head_sha)} | ${literalCell(record.target_tag)} | ${record.elapsed_seconds}s | ${record.rounds} |`,
    ''
  ]
  if (record.promotion) {
    const p = record.promotion
    lines.push(`**Promotion** ${literal(`${p.image}:${p.tag}`)} (${p.status}): ${tagState(p.before)} → ${tagState(p.after)}`, '')
  }
  lines.push(...tenantTable(record), '', ...convergenceTimeline(record))
  return `${lines.join('\n')}\n`
}

function tenantTable(record: RunRecord): string[] {
  const rows = record.tenants.slice(0, MAX_TABLE_ROWS).map(
    (t) =>
      `| ${literalCell(t.name)} | ${stateIcon(t.state)} ${t.state} | ${sha(t.actual)} | ${t.attempts} | ${t.seconds_to_converge ?? '–'} | ${t.error_class ?? ''} |`
  )
  const more = record.tenants.length - rows.length
  return [
    `| tenant | state | actual | attempts | converged after (s) | error |`,
    `|---|---|---|---|---|---|`,
    ...rows,
    ...(more > 0 ? [`| … ${more} more tenants in the report output | | | | | |`] : [])
  ]
}

/** A text bar per tenant: how far into the run it converged, so a lagging tenant stands out. */
export function convergenceTimeline(record: RunRecord): string[] {
  const converged = record.tenants.filter((t) => t.seconds_to_converge !== null)
  if (converged.length === 0) return []
  const span = Math.max(1, record.elapsed_seconds, ...converged.map((t) => t.seconds_to_converge ?? 0))
  const nameWidth = Math.min(24, Math.max(...record.tenants.map((t) => t.name.length)))
  const bars = record.tenants.slice(0, MAX_TABLE_ROWS).map((t) => {
    const name = t.name.slice(0, nameWidth).padEnd(nameWidth)
    if (t.seconds_to_converge === null) return `${name} ${'·'.repeat(TIMELINE_WIDTH)} ${t.state}`
    const filled = Math.max(1, Math.round((t.seconds_to_converge / span) * TIMELINE_WIDTH))
    return `${name} ${'█'.repeat(filled)}${'·'.repeat(TIMELINE_WIDTH - filled)} ${t.seconds_to_converge}s`
  })
  return ['When each tenant converged (0 → ' + span + 's):', '', '```text', ...bars, '```']
}

function tagState(state: { digest: string; revision: string | null } | null): string {
  return state ? `\`${state.digest.slice(0, 19)}\` (${state.revision ? shortSha(state.revision) : 'no revision'})` : 'absent'
}

function sha(value: string | null): string {
  return value ? `\`${shortSha(value)}\`` : '–'
}

function stateIcon(state: string): string {
  return state === 'converged' || state === 'ahead' ? '🟢' : state === 'pending' ? '⚪' : '🔴'
}

/**
 * Text as a Markdown code span: nothing inside is a link, an image, HTML, a mention or an emoji. The
 * fence is one backtick longer than any run inside, and padded when the text starts or ends with one.
 */
function literal(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ')
  if (flat.trim() === '') return '–'
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longestRun + 1)
  const pad = /^[`\s]|[`\s]$/.test(flat) ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/** A code span in a table cell: GitHub splits cells on `|` even inside a code span unless it is escaped. */
function literalCell(text: string): string {
  return literal(text).replace(/\|/g, '\\|')
}

const MAX_LOG_ROWS = 200

/**
 * The per-tenant table as plain log lines: Gitea does not render job summaries, and a log is what an
 * engineer scrolls at 3 a.m. Tenants that need attention come first.
 */
export function renderLogTable(record: RunRecord): string[] {
  const ordered = [...record.tenants].sort(byAttention)
  const width = Math.min(24, Math.max(6, ...record.tenants.map((t) => t.name.length)))
  const rows = ordered.slice(0, MAX_LOG_ROWS).map((t) =>
    [
      t.name.slice(0, width).padEnd(width),
      t.state.padEnd(11),
      (t.actual ? shortSha(t.actual) : '-').padEnd(7),
      String(t.attempts).padStart(8),
      String(t.seconds_to_converge ?? '-').padStart(9),
      t.error_class ?? ''
    ].join('  ')
  )
  const header = ['tenant'.padEnd(width), 'state'.padEnd(11), 'actual '.padEnd(7), 'attempts', 'converged', 'error'].join('  ')
  const more = record.tenants.length - rows.length
  return [header, ...rows, ...(more > 0 ? [`… ${more} more tenants in the report output`] : [])]
}

/** Tenants that need attention first: stale and unreachable, then those never reached. */
export function byAttention(a: { state: string }, b: { state: string }): number {
  return attention(b.state) - attention(a.state)
}

function attention(state: string): number {
  return state === 'stale' || state === 'unreachable' ? 2 : state === 'pending' ? 1 : 0
}
