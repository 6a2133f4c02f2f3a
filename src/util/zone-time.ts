/**
 * Wall-clock time in a named IANA time zone, through the runtime's own zone data (Intl.DateTimeFormat),
 * so deploy windows follow daylight saving time without a dependency. A "wall" instant is the local
 * date and time written as if it were UTC (Date.UTC(y, m, d, h, min)): day arithmetic on it is plain
 * arithmetic, and only the two conversions below consult the zone.
 */
const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

/** True when the runtime knows `zone` as a time zone name (e.g. Europe/Berlin). */
export function isKnownZone(zone: string): boolean {
  try {
    formatterOf(zone)
    return true
  } catch {
    return false
  }
}

/** The wall time in `zone` at the instant `utcMs` (seconds kept, milliseconds dropped). */
export function wallOf(zone: string, utcMs: number): number {
  const parts: Record<string, number> = {}
  for (const part of formatterOf(zone).formatToParts(new Date(utcMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
}

/** The zone's offset from UTC at `utcMs`, in milliseconds (Berlin in summer: +2 h). */
function offsetAt(zone: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000
  return wallOf(zone, whole) - whole
}

/**
 * The instant at which the wall clock of `zone` shows `wall`. Daylight saving time makes some wall
 * times happen twice (the autumn change: the first is taken) and some never (the spring gap: the
 * wall time is moved forward by the gap, so 02:30 on a spring-forward day in Berlin is 03:30 CEST),
 * the rule cron, RFC 5545 and Temporal's "compatible" disambiguation follow.
 */
export function utcOfWall(zone: string, wall: number): number {
  const before = wall - offsetAt(zone, wall - 12 * HOUR_MS)
  const after = wall - offsetAt(zone, wall + 12 * HOUR_MS)
  const valid = [before, after].filter((candidate) => wallOf(zone, candidate) === wall)
  return valid.length > 0 ? Math.min(...valid) : before
}

/** `2026-12-24 09:00` for a wall time. */
export function formatWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16).replace('T', ' ')
}

/** `2026-12-24 09:00 Europe/Berlin (08:00 UTC)`, with the UTC date when it differs from the local one; UTC once in UTC. */
export function formatInZone(zone: string, utcMs: number): string {
  if (zone === 'UTC' || zone === 'Etc/UTC') return `${formatWall(utcMs)} UTC`
  const local = formatWall(wallOf(zone, utcMs))
  const utc = formatWall(utcMs)
  return `${local} ${zone} (${utc.slice(0, 10) === local.slice(0, 10) ? utc.slice(11) : utc} UTC)`
}
