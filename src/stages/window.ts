import type { WindowSettings } from '../config/settings.js'
import type { CronSpec, WindowEntry, WindowSchedule } from '../config/windows.js'
import { DAY_MS, formatInZone, utcOfWall, wallOf } from '../util/zone-time.js'
import type { AuditRecord, WindowRecord } from './record.js'

/**
 * Whether a run may act now (docs/contract.md, Deploy windows), decided on the forge's clock: a pure
 * function of the schedule and one instant. A freeze beats a window; windows never block each other;
 * no window configured means always open.
 */
export type WindowDecision =
  | { readonly open: true; readonly within: WindowEntry | null }
  | {
      readonly open: false
      /** `frozen`: a deploy-freezes entry is on; `outside_windows`: no deploy-windows entry is open. */
      readonly reason: 'frozen' | 'outside_windows'
      /** The freeze that is on, or null when outside every window. */
      readonly by: WindowEntry | null
      /** The next instant the run could act (epoch ms) and the zone of the entry that opens it; null when none within the horizon. */
      readonly opensAt: { readonly at: number; readonly zone: string } | null
    }

/** How far a cron is followed back or ahead: four years, so a 29 February still fires once. */
const HORIZON_DAYS = 4 * 366
const MINUTE_MS = 60_000
/** A zone's offset changes by at most this much around an instant (a DST change): wall times further away are skipped without asking the zone. */
const MAX_SHIFT_MS = 3 * 3_600_000
/** Boundaries (a window opening or closing, a freeze ending) tried when looking for the next opening. */
const MAX_BOUNDARIES = 5_000

export function decideWindow(schedule: WindowSchedule, now: number): WindowDecision {
  const freeze = schedule.deny.find((entry) => isActive(entry, now)) ?? null
  const within = schedule.allow.find((entry) => isActive(entry, now)) ?? null
  if (!freeze && (within || schedule.allow.length === 0)) return { open: true, within }
  return { open: false, reason: freeze ? 'frozen' : 'outside_windows', by: freeze, opensAt: nextOpening(schedule, now) }
}

/** One sentence for the log and the record: why the run may not act, and when it next may (in the entry's zone and UTC). */
export function describeClosed(decision: Extract<WindowDecision, { open: false }>): string {
  const why = decision.by ? `deploy freeze '${decision.by.text}' is on` : 'outside every deploy window'
  const next = decision.opensAt ? `the next window opens ${formatInZone(decision.opensAt.zone, decision.opensAt.at)}` : 'no window opens within four years'
  return `${why}; ${next}`
}

/** What the pipeline does with the decision: the record's facts, the deferral that ends the run (or null), and a line for the log. */
export interface WindowCheck {
  readonly record: WindowRecord | null
  /** The override that took effect (the window was closed and override-freeze was set). */
  readonly override: AuditRecord | null
  /** The message of a run that stops here, `deferred`; null when it goes on. */
  readonly deferred: string | null
  readonly log: { readonly level: 'info' | 'warning'; readonly text: string } | null
}

/** The window stage at `now` (the forge's clock): go on, go on by override, or defer. */
export function checkWindow(windows: WindowSettings, now: number): WindowCheck {
  const { schedule, override } = windows
  if (schedule.allow.length === 0 && schedule.deny.length === 0) {
    const log = override ? ({ level: 'info', text: 'override-freeze has no effect: no deploy window or freeze is configured' } as const) : null
    return { record: null, override: null, deferred: null, log }
  }
  const decision = decideWindow(schedule, now)
  if (decision.open) {
    const where = decision.within ? `inside deploy window '${decision.within.text}'` : 'no deploy freeze is on'
    return {
      record: { state: 'open', reason: null, freeze: null, next_open: null, next_open_zone: null },
      override: null,
      deferred: null,
      log: { level: 'info', text: `${where}${override ? '; override-freeze not needed' : ''}` }
    }
  }
  const closed = describeClosed(decision)
  const record = (state: WindowRecord['state']): WindowRecord => ({
    state,
    reason: decision.reason,
    freeze: decision.by?.text ?? null,
    next_open: decision.opensAt ? new Date(decision.opensAt.at).toISOString() : null,
    next_open_zone: decision.opensAt?.zone ?? null
  })
  if (!override) return { record: record('deferred'), override: null, deferred: `deferred: ${closed}; nothing was touched`, log: null }
  return {
    record: record('overridden'),
    override,
    deferred: null,
    log: { level: 'warning', text: `${closed}; going ahead: override-freeze by ${override.actor ?? 'an unknown actor'}: ${override.reason}` }
  }
}

function isOpen(schedule: WindowSchedule, at: number): boolean {
  return !schedule.deny.some((entry) => isActive(entry, at)) && (schedule.allow.length === 0 || schedule.allow.some((entry) => isActive(entry, at)))
}

/** A calendar range holds from its start up to its end; a cron window from a `from` firing until the next `to` firing. */
function isActive(entry: WindowEntry, at: number): boolean {
  if (entry.kind === 'calendar') return utcOfWall(entry.zone, entry.from) <= at && at < utcOfWall(entry.zone, entry.to)
  const opened = lastFiring(entry.from, entry.zone, at)
  if (opened === null) return false
  const closed = lastFiring(entry.to, entry.zone, at)
  return closed === null || opened > closed
}

/** The state only changes where an entry opens or closes: the first such instant after `now` that is open. */
function nextOpening(schedule: WindowSchedule, now: number): { at: number; zone: string } | null {
  const entries = [...schedule.allow, ...schedule.deny]
  let at = now
  for (let tried = 0; tried < MAX_BOUNDARIES; tried++) {
    let next: { at: number; zone: string } | null = null
    for (const entry of entries) {
      const boundary = nextBoundary(entry, at)
      if (boundary !== null && (next === null || boundary < next.at)) next = { at: boundary, zone: entry.zone }
    }
    if (next === null) return null
    if (isOpen(schedule, next.at)) return next
    at = next.at
  }
  return null
}

function nextBoundary(entry: WindowEntry, after: number): number | null {
  const candidates =
    entry.kind === 'calendar'
      ? [utcOfWall(entry.zone, entry.from), utcOfWall(entry.zone, entry.to)].filter((t) => t > after)
      : [nextFiring(entry.from, entry.zone, after), nextFiring(entry.to, entry.zone, after)].filter((t): t is number => t !== null)
  return candidates.length > 0 ? Math.min(...candidates) : null
}

/** The latest instant at or before `at` when `cron` fires in `zone`, or null within the horizon. */
function lastFiring(cron: CronSpec, zone: string, at: number): number | null {
  const wallAt = wallOf(zone, at)
  const today = Math.floor(wallAt / DAY_MS)
  for (let day = today + 1; day >= today - HORIZON_DAYS; day--) {
    if (!firesOn(cron, day)) continue
    for (const wall of timesOf(cron, day).reverse()) {
      if (wall > wallAt + MAX_SHIFT_MS) continue
      const instant = utcOfWall(zone, wall)
      if (instant <= at) return instant
    }
  }
  return null
}

/** The first instant strictly after `after` when `cron` fires in `zone`, or null within the horizon. */
function nextFiring(cron: CronSpec, zone: string, after: number): number | null {
  const wallAfter = wallOf(zone, after)
  const today = Math.floor(wallAfter / DAY_MS)
  for (let day = today - 1; day <= today + HORIZON_DAYS; day++) {
    if (!firesOn(cron, day)) continue
    for (const wall of timesOf(cron, day)) {
      if (wall < wallAfter - MAX_SHIFT_MS) continue
      const instant = utcOfWall(zone, wall)
      if (instant > after) return instant
    }
  }
  return null
}

/** The wall times of one local day (days since the epoch) at which `cron` fires, in order. */
function timesOf(cron: CronSpec, day: number): number[] {
  return cron.hours.flatMap((hour) => cron.minutes.map((minute) => day * DAY_MS + (hour * 60 + minute) * MINUTE_MS))
}

/** Cron's day rule: when both day of month and day of week are restricted, either one matching is enough. */
function firesOn(cron: CronSpec, day: number): boolean {
  const date = new Date(day * DAY_MS)
  if (!cron.months.has(date.getUTCMonth() + 1)) return false
  const byDay = cron.days.has(date.getUTCDate())
  const byWeekday = cron.weekdays.has(date.getUTCDay())
  if (cron.daysRestricted && cron.weekdaysRestricted) return byDay || byWeekday
  return byDay && byWeekday
}
