import type { AuditRecord, PromotionRecord, RunRecord } from '../stages/record.js'
import { GREEN_RESULTS, type TenantState } from '../types.js'
import { attentionGroups, classAnnotations, isSettled, listNames, PER_TENANT_UP_TO } from '../fleet/report.js'
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
const MAX_ATTENTION_ROWS = PER_TENANT_UP_TO
const MAX_TIMELINE_ROWS = 500
const TIMELINE_WIDTH = 40

/** Results whose tenants left pending are explained in one line instead of being listed. */
const ENDED_EARLY = new Set<RunRecord['result']>(['superseded', 'deferred', 'blocked', 'aborted', 'failed'])

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
  const head = [...verdict(record, links), ...notDone(record, links), ...auditLines(record), ...promotionLines(record)]
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
      : noneRead(record)
        ? `**${record.tenants.length} tenants:** ${untouchedBySuperseded(record) ? 'not touched' : 'none read'}`
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
  const order: TenantState[] = ['stale', 'unhealthy', 'unreachable', 'pending', 'not_attempted', 'converged', 'ahead']
  const counts = new Map<TenantState, number>()
  for (const state of order) {
    const n = tenants.filter((t) => t.state === state).length
    if (n > 0) counts.set(state, n)
  }
  return counts
}

/** Not one tenant was read: the run ended before its first probe. */
function noneRead(record: RunRecord): boolean {
  return record.tenants.length > 0 && record.tenants.every((t) => t.state === 'pending')
}

/** Superseded before it told any tenant to roll: the fleet is exactly as this run found it. */
function untouchedBySuperseded(record: RunRecord): boolean {
  return record.result === 'superseded' && !record.tenants.some((t) => t.redeployed)
}

/**
 * Where the commit that owns the branch stands relative to this run's, as the ownership check wrote it
 * in the message (src/stages/ownership.ts); only its fixed words are taken, never the message's text.
 */
function ownerRelation(record: RunRecord): string {
  const relation = /\((ahead of|behind|diverged from|identical to) this run's [0-9a-f]{7,64}\)/.exec(record.message)?.[1]
  return relation ? ` (${relation} this run's ${sha(record.sha)})` : ''
}

/** A run that ended before verifying everyone says what it left undone and why, not a list of pending tenants. */
function notDone(record: RunRecord, links: Links): string[] {
  if (!ENDED_EARLY.has(record.result)) return []
  const owner = record.head_sha ? `the branch head ${link(sha(record.head_sha), links.commit(record.head_sha))}${ownerRelation(record)}` : 'another commit'
  if (untouchedBySuperseded(record)) {
    return [`**Not touched:** ${owner} owns ${record.environment}; its run deploys the fleet, and this run told no tenant to roll.`, '']
  }
  const pending = record.tenants.filter((t) => t.state === 'pending').length
  if (record.result === 'failed' && pending === 0) return []
  const what =
    pending > 0
      ? `${pending} of ${record.tenants.length} tenants were not ${record.dry_run ? 'read' : 'verified'}`
      : record.tenants.length > 0
        ? 'the run did not finish its verdict'
        : 'no tenant was read'
  const why: Record<string, string> = {
    superseded: `${owner} owns ${record.environment}; its run deploys the fleet`,
    deferred: 'outside every deploy window or during a freeze; a run inside a window deploys the newest commit',
    blocked: 'the run was refused (by the gate, the lock or the promotion; the message says which)',
    aborted: 'the run was cancelled or stopped before it finished',
    failed: `the run failed${record.error_class ? ` (\`${record.error_class}\`)` : ''} before it could read them`
  }
  return [`**Not done:** ${what}: ${why[record.result]}.`, '']
}

/** Who overrode a freeze or moved the fleet back, and why: said plainly, in the person's own words shown literally. */
function auditLines(record: RunRecord): string[] {
  const by = (audit: AuditRecord): string => `by ${audit.actor ? literal(audit.actor) : 'an unknown actor'}: ${literal(audit.reason)}`
  const lines: string[] = []
  if (record.override) {
    const closed = record.window?.reason === 'frozen' ? `deploy freeze ${literal(record.window.freeze ?? '')} was on` : 'outside every deploy window'
    lines.push(`**Freeze overridden** ${by(record.override)} (${closed}).`, '')
  }
  const rollback = record.rollback
  if (rollback) {
    const moved =
      rollback.from.length > 0
        ? `The fleet was moved back from ${listNames(
            rollback.from.map((commit) => sha(commit)),
            5
          )} to ${sha(rollback.to)}.`
        : `No tenant was moved: none needed a redeploy to ${sha(rollback.to)}.`
    lines.push(`**Rollback** ${by(rollback)}. ${moved}`, '')
  }
  return lines
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
  // A superseded run's commit is not what the fleet must report: the branch head's run decides that.
  const superseded = record.result === 'superseded'
  const columns: [string, string][] = [
    ["this run's commit", commit(record.sha)],
    ...(superseded ? [] : [['the fleet must report', commit(record.expected_sha)] as [string, string]]),
    [superseded ? 'owns the branch' : 'branch head', commit(record.head_sha)],
    ['image tag', literalCell(record.target_tag)],
    ['elapsed', `${record.elapsed_seconds}s`],
    ['verify rounds', String(record.rounds)]
  ]
  return [`| ${columns.map(([label]) => label).join(' | ')} |`, `|${'---|'.repeat(columns.length)}`, `| ${columns.map(([, value]) => value).join(' | ')} |`, '']
}

/** Stale (but in a dry run, where stale means "would roll"), unhealthy and unreachable always; pending only when the run does not explain them in one line. */
function needsAttention(record: RunRecord, t: TenantRow): boolean {
  return (
    (t.state === 'stale' && !record.dry_run) ||
    t.state === 'unhealthy' ||
    t.state === 'unreachable' ||
    (t.state === 'pending' && !ENDED_EARLY.has(record.result))
  )
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
  // A dry run that did not end `planned` made no plan (it is red): what it read is only part of one.
  if (record.result !== 'planned' && noneRead(record)) return [`### No plan was made: the dry run ended \`${record.result}\` before it read the fleet`, '']
  const rolling = record.tenants.filter(wouldRoll)
  const title = record.result === 'planned' ? 'Plan' : `Incomplete plan (the dry run ended \`${record.result}\`)`
  const head = [`### ${title}: ${rolling.length} of ${record.tenants.length} tenants would roll to ${sha(record.expected_sha)}`, '']
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

/** Needy tenants grouped by state and error class (an unhealthy one by its check's status), stale first (the log's groups), each group with its hint once. */
function groups(needy: readonly TenantRow[]): { label: string; title: string; tenants: TenantRow[] }[] {
  return attentionGroups(needy).map(({ state, errorClass, healthStatus, regressed, tenants }) => {
    const problem = errorClass ?? healthStatus
    const label = `${stateIcon(state)} ${state}${problem ? ` · ${problem}` : ''}${regressed ? ' · regressed' : ''}`
    return { label, title: `**${label} (${tenants.length})** — ${hintFor(state, errorClass, regressed)}`, tenants }
  })
}

/**
 * The error annotations after a red run's verdict (which comes first: GitHub shows 10 a step): one per
 * class of tenant needing attention, as the job summary groups them.
 */
export function failureAnnotations(record: RunRecord): string[] {
  if (GREEN_RESULTS.has(record.result) || !record.expected_sha) return []
  return classAnnotations(
    record.tenants.filter((t) => needsAttention(record, t)),
    record.expected_sha
  )
}

/** What went wrong, in fleet-forward's own words: the error class, or an unhealthy tenant's last health status (`http 503`). */
function problemOf(t: TenantRow): string {
  return t.error_class ?? (t.state === 'unhealthy' ? (t.health_status ?? '') : '')
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
      ...g.tenants.map((t) => `| ${literalCell(t.name)} | ${sha(t.actual)} | ${problemOf(t) || '–'} | ${t.wave ?? '–'} | ${t.attempts} |`),
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
  if (noneRead(record)) {
    return untouchedBySuperseded(record)
      ? [`${record.tenants.length} tenants, not touched: this run was superseded before it read or rolled any`]
      : [`${record.tenants.length} tenants, none read: the run ended ${record.result} before its first probe`]
  }
  const ordered = [...record.tenants].sort(byAttention)
  const width = Math.min(24, Math.max(6, ...record.tenants.map((t) => t.name.length)))
  // In a dry run a tenant on an older commit is one the plan would roll: from its commit to the expected one.
  const toRoll = (t: TenantRow): boolean => record.dry_run && t.state === 'stale'
  const actualWidth = record.tenants.some(toRoll) ? 17 : 7
  const rows = ordered
    .slice(0, MAX_LOG_ROWS)
    .map((t) =>
      [
        fitColumn(t.name, width).padEnd(width),
        (toRoll(t) ? 'to roll' : t.state).padEnd(11),
        (t.actual ? `${shortSha(t.actual)}${toRoll(t) ? ` → ${shortSha(record.expected_sha ?? '')}` : ''}` : '-').padEnd(actualWidth),
        String(t.attempts).padStart(8),
        String(t.seconds_to_converge ?? '-').padStart(9),
        problemOf(t) || (t.regressed ? 'regressed' : '')
      ].join('  ')
    )
  const header = ['tenant'.padEnd(width), 'state'.padEnd(11), 'actual'.padEnd(actualWidth), 'attempts', 'converged', 'error'].join('  ')
  const more = record.tenants.length - rows.length
  return [header, ...rows, ...(more > 0 ? [`… ${more} more tenants in the report output`] : [])]
}

/** Tenants that need attention first: stale, unhealthy and unreachable, then those never reached. */
export function byAttention(a: { state: string }, b: { state: string }): number {
  return attention(b.state) - attention(a.state)
}

function attention(state: string): number {
  return state === 'stale' || state === 'unhealthy' || state === 'unreachable' ? 2 : state === 'pending' ? 1 : 0
}
