import type { PromotionRecord, RunRecord } from '../stages/record.js'
import { GREEN_RESULTS, type TenantState } from '../core/types.js'
import { isSettled } from '../fleet/report.js'
import { groupBy } from '../util/group-by.js'
import { fitColumn } from '../util/sanitize.js'
import { shortSha } from '../util/sha.js'
import { hintFor } from './hints.js'
import { NOT_PROMOTED, tagMove } from './promotion.js'
import { details, link, linksOf, literal, literalCell, sha, type Links } from './markdown.js'
import { wavesPicture } from './waves-picture.js'

type TenantRow = RunRecord['tenants'][number]

/** GitHub refuses a step summary over 1 MiB; the rest is headroom for what else the job writes. */
export const MAX_SUMMARY_BYTES = 1024 * 1024 - 64 * 1024
/** More tenants needing attention than this are listed by commit, names only: a table of thousands hides every group but the first. */
const MAX_ATTENTION_ROWS = 50
const MAX_TIMELINE_ROWS = 500
const TIMELINE_WIDTH = 40

/** Results whose tenants left pending are explained in one line instead of being listed. */
const ENDED_EARLY = new Set<RunRecord['result']>(['superseded', 'blocked', 'aborted', 'failed'])

/**
 * The job summary, verdict first at any fleet size: the verdict and the counts by state, what was not
 * done and why, what happened to the promote tag, links, then every tenant that needs attention with
 * a hint; the waves; green tenants and when each converged are folded. Attention rows are never cut:
 * when the fleet is too large for a table per tenant they are listed compactly instead, and only the
 * folded parts are shortened to stay under GitHub's 1 MiB limit.
 *
 * GitHub renders it as Markdown, so every piece of text that is not our own (the message, which can
 * quote a server, tenant names, the image) is shown literally in a code span: a link, an image or HTML
 * in it stays text. States and error classes come from our own classification, SHAs are hex, and
 * links are built only from the record's run URL, repository and SHAs.
 */
export function renderSummary(record: RunRecord, maxBytes = MAX_SUMMARY_BYTES): string {
  const links = linksOf(record)
  const head = [...verdict(record, links), ...notDone(record, links), ...promotionLines(record)]
  const needy = record.tenants.filter((t) => needsAttention(record, t))
  const tail = [...facts(record, links), ...wavesPicture(record.waves)]
  let room = maxBytes - bytes(head) - bytes(tail)
  const tables = needy.length <= MAX_ATTENTION_ROWS ? attentionTables(needy) : null
  const attention = tables && bytes(tables) <= room ? tables : attentionCompact(needy, room)
  room -= bytes(attention)
  const plan = record.dry_run ? dryRunPlan(record, room) : []
  room -= bytes(plan)
  const folded: string[] = []
  for (const part of [notAttempted, greenTable, foldedTimeline]) {
    const lines = part(record, room)
    room -= bytes(lines)
    folded.push(...lines)
  }
  return `${[...head, ...attention, ...plan, ...tail, ...folded].join('\n').trimEnd()}\n`
}

function bytes(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0)
}

function verdict(record: RunRecord, links: Links): string[] {
  const icon = GREEN_RESULTS.has(record.result) ? '✅' : '❌'
  const counts = countByState(record.tenants)
  const countLine =
    record.tenants.length === 0
      ? '**No tenant was read.**'
      : `**${record.tenants.length} tenants:** ${[...counts].map(([state, n]) => countLabel(state, n, record.dry_run)).join(' · ')}`
  return [
    `## ${icon} fleet-forward · ${record.environment} · ${record.result}`,
    '',
    literal(record.message),
    '',
    [countLine, ...ownLinks(links)].join(' · '),
    ''
  ]
}

/** The run, its deployment and the environment, where the record knows them. */
function ownLinks(links: Links): string[] {
  const named: [string, string | null][] = [
    ['run log', links.run],
    ['deployment', links.deployments],
    ['environment', links.environment]
  ]
  return named.filter(([, url]) => url !== null).map(([label, url]) => link(label, url))
}

/** Attention order, then the rest; only states that occur. */
function countByState(tenants: readonly TenantRow[]): Map<TenantState, number> {
  const order: TenantState[] = ['stale', 'unreachable', 'pending', 'not_attempted', 'converged', 'ahead']
  const counts = new Map<TenantState, number>()
  for (const state of order) {
    const n = tenants.filter((t) => t.state === state).length
    if (n > 0) counts.set(state, n)
  }
  return counts
}

/** A run that ended before verifying everyone says what it left undone and why, not a list of pending tenants. */
function notDone(record: RunRecord, links: Links): string[] {
  if (!ENDED_EARLY.has(record.result)) return []
  const pending = record.tenants.filter((t) => t.state === 'pending').length
  if (record.result === 'failed' && pending === 0) return []
  const what =
    pending > 0
      ? `${pending} of ${record.tenants.length} tenants were not verified`
      : record.tenants.length > 0
        ? 'the run did not finish its verdict'
        : 'no tenant was read'
  const owner = record.head_sha ? ` ${link(sha(record.head_sha), links.commit(record.head_sha))}` : ''
  const why: Record<string, string> = {
    superseded: `a newer commit${owner} owns ${record.environment}; its run deploys the fleet`,
    blocked: 'the run was refused (by the gate, the lock or the promotion; the message says which)',
    aborted: 'the run was cancelled or stopped before it finished',
    failed: `the run failed${record.error_class ? ` (\`${record.error_class}\`)` : ''} before it could read them`
  }
  return [`**Not done:** ${what}: ${why[record.result]}.`, '']
}

const PROMOTION_OUTCOME: Readonly<Record<string, string>> = {
  promoted: 'was moved to this run’s image',
  unchanged: 'already named this run’s image',
  blocked: 'was not moved: it would have gone backward',
  superseded: 'was not moved: a newer commit owns it',
  conflict: 'was moved by someone else meanwhile and was not overwritten',
  planned: 'would be moved to this run’s image (dry run: nothing was written)'
}

function promotionLines(record: RunRecord): string[] {
  const p: PromotionRecord | null = record.promotion
  if (!p) return []
  if (p.status === 'not_attempted') return [`**Promotion** ${literal(`${p.image}:${p.tag}`)} (not attempted): ${NOT_PROMOTED}.`, '']
  const outcome = PROMOTION_OUTCOME[p.status] ?? p.status
  return [
    `**Promotion** ${literal(`${p.image}:${p.tag}`)} (${p.status}): ${tagMove(p, (digest) => `\`${digest}\``)}`,
    '',
    ...(GREEN_RESULTS.has(record.result) && p.status !== 'planned' ? [] : [`${literal(`:${p.tag}`)} ${outcome}.`, ''])
  ]
}

function facts(record: RunRecord, links: Links): string[] {
  const commit = (value: string | null): string => link(sha(value), links.commit(value))
  return [
    `| this run's commit | the fleet must report | branch head | image tag | elapsed | verify rounds |`,
    `|---|---|---|---|---|---|`,
    `| ${commit(record.sha)} | ${commit(record.expected_sha)} | ${commit(record.head_sha)} | ${literalCell(record.target_tag)} | ${record.elapsed_seconds}s | ${record.rounds} |`,
    ''
  ]
}

/** Stale (but in a dry run, where stale means "would roll") and unreachable always; pending only when the run does not explain them in one line. */
function needsAttention(record: RunRecord, t: TenantRow): boolean {
  return (t.state === 'stale' && !record.dry_run) || t.state === 'unreachable' || (t.state === 'pending' && !ENDED_EARLY.has(record.result))
}

/** Tenants a dry run would roll: every one not already on the commit or a newer one. */
function wouldRoll(t: TenantRow): boolean {
  return t.state === 'stale' || t.state === 'unreachable'
}

/**
 * A dry run's plan: how many would roll, then wave by wave every one of them by the commit it would
 * roll from, names only, as far as the room allows (the rest is in the `report` output).
 */
function dryRunPlan(record: RunRecord, room: number): string[] {
  const rolling = record.tenants.filter(wouldRoll)
  const head = [`### Plan: ${rolling.length} of ${record.tenants.length} tenants would roll to ${sha(record.expected_sha)}`, '']
  const blocks = [...groupBy(rolling, (t) => String(t.wave ?? ''))].map(([wave, tenants]) => ({
    lines: [...(wave ? [`**Wave ${wave}** — ${tenants.length} would roll`, ''] : []), ...namesByCommit(tenants, 'from'), ''],
    tenants: tenants.length
  }))
  const { lines, listed } = fitBlocks(blocks, room - bytes(head) - 200)
  return [...head, ...lines, ...(listed < rolling.length ? [`… ${rolling.length - listed} more would roll: see the \`report\` output.`, ''] : [])]
}

/** One line per commit the tenants report: `- <word> <sha>: <names>`, names only. */
function namesByCommit(tenants: readonly TenantRow[], word: string): string[] {
  return [...groupBy(tenants, (t) => t.actual ?? '')].map(
    ([actual, ts]) => `- ${word} ${actual ? sha(actual) : 'an unknown commit'}: ${ts.map((t) => literal(t.name)).join(' ')}`
  )
}

/** Blocks in order while they fit in `room`, and how many tenants the kept blocks name. */
function fitBlocks(blocks: readonly { lines: string[]; tenants: number }[], room: number): { lines: string[]; listed: number } {
  const lines: string[] = []
  let left = room
  let listed = 0
  for (const block of blocks) {
    left -= bytes(block.lines)
    if (left < 0) break
    lines.push(...block.lines)
    listed += block.tenants
  }
  return { lines, listed }
}

/** Needy tenants grouped by state and error class, stale first, each group with its hint once. */
function groups(needy: readonly TenantRow[]): { label: string; title: string; tenants: TenantRow[] }[] {
  const sorted = [...needy].sort((a, b) => rank(a.state) - rank(b.state))
  return [...groupBy(sorted, (t) => `${t.state}/${t.error_class ?? ''}/${t.regressed}`).values()].map((tenants) => {
    const { state, error_class: errorClass, regressed } = tenants[0]
    const label = `${stateIcon(state)} ${state}${errorClass ? ` · ${errorClass}` : ''}${regressed ? ' · regressed' : ''}`
    return { label, title: `**${label} (${tenants.length})** — ${hintFor(state, errorClass, regressed)}`, tenants }
  })
}

function rank(state: TenantState): number {
  return state === 'stale' ? 0 : state === 'unreachable' ? 1 : 2
}

function attentionHeading(count: number): string[] {
  return count === 0 ? [] : [`### Needs attention (${count})`, '']
}

function attentionTables(needy: readonly TenantRow[]): string[] {
  return [
    ...attentionHeading(needy.length),
    ...groups(needy).flatMap((g) => [
      g.title,
      '',
      '| tenant | actual | error | wave | attempts |',
      '|---|---|---|---|---|',
      ...g.tenants.map((t) => `| ${literalCell(t.name)} | ${sha(t.actual)} | ${t.error_class ?? '–'} | ${t.wave ?? '–'} | ${t.attempts} |`),
      ''
    ])
  ]
}

/**
 * Too many for a table: first every group with its count, so all of them show on the first screen,
 * then each group lists its tenants by the commit they report, names only. If even that does not fit
 * (thousands of long names), the list says how many it leaves to the report output.
 */
function attentionCompact(needy: readonly TenantRow[], room: number): string[] {
  const all = groups(needy)
  const head = [...attentionHeading(needy.length), ...all.map((g) => `- ${g.label}: ${g.tenants.length}`), '']
  const blocks = all.map((g) => ({ lines: [g.title, '', ...namesByCommit(g.tenants, 'at'), ''], tenants: g.tenants.length }))
  const { lines, listed } = fitBlocks(blocks, room - bytes(head))
  const more = needy.length - listed
  return [...head, ...lines, ...(more > 0 ? [`… ${more} more tenants need attention: see the \`report\` output and the history file.`, ''] : [])]
}

/** Rows of a folded part while they fit in `room`, then how many more there are. */
function fitting(rows: readonly string[], room: number, overhead: number): { rows: string[]; more: number } {
  const kept: string[] = []
  let left = room - overhead - 80
  for (const row of rows) {
    left -= Buffer.byteLength(row) + 1
    if (left < 0) break
    kept.push(row)
  }
  return { rows: kept, more: rows.length - kept.length }
}

function notAttempted(record: RunRecord, room: number): string[] {
  const untouched = record.tenants.filter((t) => t.state === 'not_attempted')
  if (untouched.length === 0) return []
  const { rows, more } = fitting(
    untouched.map((t) => `- ${literal(t.name)} (wave ${t.wave ?? '–'})`),
    room,
    200
  )
  return details(`⚪ ${untouched.length} not attempted — ${hintFor('not_attempted', null)}`, [
    ...rows,
    ...(more > 0 ? [`- … ${more} more in the \`report\` output`] : [])
  ])
}

function greenTable(record: RunRecord, room: number): string[] {
  const green = record.tenants.filter(isSettled)
  if (green.length === 0) return []
  const header = ['| tenant | state | actual | wave | attempts | converged after (s) |', '|---|---|---|---|---|---|']
  const all = green.map(
    (t) =>
      `| ${literalCell(t.name)} | ${stateIcon(t.state)} ${t.state} | ${sha(t.actual)} | ${t.wave ?? '–'} | ${t.attempts} | ${t.seconds_to_converge ?? '–'} |`
  )
  const { rows, more } = fitting(all, room, 200 + bytes(header))
  return details(`🟢 ${green.length} converged or ahead`, [...header, ...rows, ...(more > 0 ? [`| … ${more} more in the \`report\` output | | | | | |`] : [])])
}

/**
 * A text bar per converged tenant, slowest first: how far into the run it converged, so a lagging
 * tenant stands out. A large fleet shows its slowest tenants.
 */
export function convergenceTimeline(record: RunRecord, room = Number.POSITIVE_INFINITY): string[] {
  const converged = record.tenants.filter((t) => t.seconds_to_converge !== null)
  if (converged.length === 0) return []
  const span = Math.max(1, record.elapsed_seconds, ...converged.map((t) => t.seconds_to_converge ?? 0))
  const nameWidth = Math.min(24, Math.max(...converged.map((t) => t.name.length)))
  const bars = [...converged]
    .sort((a, b) => b.seconds_to_converge! - a.seconds_to_converge!)
    .slice(0, MAX_TIMELINE_ROWS)
    .map((t) => {
      const filled = Math.max(1, Math.round((t.seconds_to_converge! / span) * TIMELINE_WIDTH))
      return `${fitColumn(t.name, nameWidth).padEnd(nameWidth)} ${'█'.repeat(filled)}${'·'.repeat(TIMELINE_WIDTH - filled)} ${t.seconds_to_converge}s`
    })
  const { rows } = fitting(bars, room, 300)
  const which = rows.length < converged.length ? `the ${rows.length} slowest of ${converged.length} tenants` : 'each tenant'
  return [`When ${which} converged (0 → ${span}s):`, '', '```text', ...rows, '```']
}

/** The timeline folded in the summary: its title line becomes the fold's label. */
function foldedTimeline(record: RunRecord, room: number): string[] {
  const [title, , ...block] = convergenceTimeline(record, room)
  return title ? details(title.replace(/:$/, ''), block) : []
}

/** In a dry run a stale tenant is one the plan would roll, not a failure. */
function countLabel(state: TenantState, n: number, dryRun: boolean): string {
  return dryRun && state === 'stale' ? `⚪ ${n} to roll` : `${stateIcon(state)} ${n} ${label(state)}`
}

function label(state: TenantState): string {
  return state.replace('_', ' ')
}

function stateIcon(state: string): string {
  return state === 'converged' || state === 'ahead' ? '🟢' : state === 'pending' || state === 'not_attempted' ? '⚪' : '🔴'
}

const MAX_LOG_ROWS = 200

/**
 * The per-tenant table as plain log lines: Gitea does not render job summaries, and a log is what an
 * engineer scrolls at 3 a.m. Tenants that need attention come first.
 */
export function renderLogTable(record: RunRecord): string[] {
  const ordered = [...record.tenants].sort(byAttention)
  const width = Math.min(24, Math.max(6, ...record.tenants.map((t) => t.name.length)))
  const rows = ordered
    .slice(0, MAX_LOG_ROWS)
    .map((t) =>
      [
        fitColumn(t.name, width).padEnd(width),
        t.state.padEnd(11),
        (t.actual ? shortSha(t.actual) : '-').padEnd(7),
        String(t.attempts).padStart(8),
        String(t.seconds_to_converge ?? '-').padStart(9),
        t.error_class ?? (t.regressed ? 'regressed' : '')
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
