import { InputError } from '../util/errors.js'
import { isKnownZone } from '../util/zone-time.js'

/**
 * The `deploy-windows` (allow) and `deploy-freezes` (deny) inputs: one entry a line, each in a named
 * IANA time zone, either a recurring window between two cron expressions (it opens when the first
 * fires and closes when the second next fires, GitLab's deploy freeze grammar) or a calendar range:
 *
 *   0 9 * * 1-5   0 17 * * 1-5   Europe/Berlin          # weekdays 09:00 to 17:00, Berlin time
 *   0 22 * * *    0 6 * * *      America/New_York       # every night, across midnight
 *   2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin      # from the first minute, up to (not including) the second
 *
 * Cron fields are minute, hour, day of month, month, day of week (0 or 7 is Sunday), each `*`, a number,
 * a range `a-b`, a step `*∕n` or `a-b/n`, or a comma list of those. As in cron, when both the day of month
 * and the day of week are restricted, a day matching either fires. Blank lines and `#` comments are skipped.
 */
export interface CronSpec {
  readonly minutes: readonly number[]
  readonly hours: readonly number[]
  readonly days: ReadonlySet<number>
  readonly months: ReadonlySet<number>
  readonly weekdays: ReadonlySet<number>
  readonly daysRestricted: boolean
  readonly weekdaysRestricted: boolean
}

export type WindowEntry =
  | { readonly kind: 'cron'; readonly from: CronSpec; readonly to: CronSpec; readonly zone: string; readonly text: string }
  /** `from` and `to` are wall times in `zone` (Date.UTC of the local date and time); `to` is excluded. */
  | { readonly kind: 'calendar'; readonly from: number; readonly to: number; readonly zone: string; readonly text: string }

export interface WindowSchedule {
  /** deploy-windows: a run may act while any of them is open; none configured means always open. */
  readonly allow: readonly WindowEntry[]
  /** deploy-freezes: a run may not act while any of them is on, whatever the windows say. */
  readonly deny: readonly WindowEntry[]
}

const MAX_ENTRIES = 50
const CALENDAR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/

export function parseWindowEntries(raw: string, input: string): WindowEntry[] {
  const lines = raw
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
  if (lines.length > MAX_ENTRIES) throw new InputError(input, `has ${lines.length} entries; at most ${MAX_ENTRIES}`)
  return lines.map((line, index) => parseEntry(line, input, index + 1))
}

function parseEntry(line: string, input: string, lineNo: number): WindowEntry {
  const fail = (problem: string): never => {
    throw new InputError(input, `entry ${lineNo} '${line.slice(0, 80)}': ${problem}`)
  }
  const words = line.split(/\s+/)
  const zone = words[words.length - 1]
  if (words.length !== 3 && words.length !== 11) {
    fail('must be "<from cron> <to cron> <time zone>" (5 + 5 fields) or "<from> <to> <time zone>" with YYYY-MM-DDTHH:MM times')
  }
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(zone) || !isKnownZone(zone)) fail(`'${zone.slice(0, 40)}' is not a time zone name (e.g. Europe/Berlin, UTC)`)
  const text = words.join(' ')
  if (words.length === 3) {
    const from = parseCalendar(words[0], fail)
    const to = parseCalendar(words[1], fail)
    if (to <= from) fail('the end must come after the start')
    return { kind: 'calendar', from, to, zone, text }
  }
  // Closing at the moment it opens, such a window would never be open.
  if (words.slice(0, 5).join(' ') === words.slice(5, 10).join(' ')) fail('opens and closes at the same time, so it is never open')
  return { kind: 'cron', from: parseCron(words.slice(0, 5), fail), to: parseCron(words.slice(5, 10), fail), zone, text }
}

function parseCalendar(word: string, fail: (problem: string) => never): number {
  const match = CALENDAR.exec(word)
  if (!match) return fail(`'${word.slice(0, 20)}' is not a YYYY-MM-DDTHH:MM time`)
  const [year, month, day, hour, minute] = match.slice(1).map(Number)
  const wall = Date.UTC(year, month - 1, day, hour, minute)
  const back = new Date(wall)
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59) fail(`'${word}' is not a real date and time`)
  return wall
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 }
] as const

function parseCron(fields: readonly string[], fail: (problem: string) => never): CronSpec {
  const [minutes, hours, days, months, weekdays] = fields.map((field, i) => parseField(field, FIELDS[i], fail))
  // 7 is Sunday too.
  if (weekdays.has(7)) weekdays.add(0)
  weekdays.delete(7)
  return {
    minutes: [...minutes].sort((a, b) => a - b),
    hours: [...hours].sort((a, b) => a - b),
    days,
    months,
    weekdays,
    daysRestricted: fields[2] !== '*',
    weekdaysRestricted: fields[4] !== '*'
  }
}

function parseField(field: string, spec: (typeof FIELDS)[number], fail: (problem: string) => never): Set<number> {
  const values = new Set<number>()
  for (const part of field.split(',')) {
    const match = /^(?:(\*)|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part)
    if (!match) fail(`${spec.name} '${part.slice(0, 20)}' must be *, a number, a range a-b, or either with /step`)
    const [, star, first, last, step] = match!
    const low = star ? spec.min : Number(first)
    const high = star ? spec.max : last !== undefined ? Number(last) : step !== undefined ? spec.max : low
    const by = step === undefined ? 1 : Number(step)
    if (low < spec.min || high > spec.max || low > high || by < 1) fail(`${spec.name} '${part}' is outside ${spec.min}-${spec.max}`)
    for (let value = low; value <= high; value += by) values.add(value)
  }
  return values
}
