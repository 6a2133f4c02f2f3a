import { parseWindowEntries, type WindowSchedule } from '../../src/config/windows.js'
import { decideWindow, describeClosed } from '../../src/stages/window.js'

const schedule = (allow: string, deny = ''): WindowSchedule => ({
  allow: parseWindowEntries(allow, 'deploy-windows'),
  deny: parseWindowEntries(deny, 'deploy-freezes')
})

/** What the decision says at `utc`: 'open', or 'frozen'/'outside_windows' with the next opening in UTC. */
function verdict(s: WindowSchedule, utc: string): string {
  const decision = decideWindow(s, Date.parse(utc))
  if (decision.open) return 'open'
  return `${decision.reason} until ${decision.opensAt ? new Date(decision.opensAt.at).toISOString() : 'never'}`
}

const BERLIN_OFFICE = '0 9 * * 1-5  0 17 * * 1-5  Europe/Berlin'
const BERLIN_EARLY = '0 2 * * *  0 4 * * *  Europe/Berlin'
const BERLIN_TWICE = '30 2 * * *  0 3 * * *  Europe/Berlin'
const NEW_YORK_SUNDAY = '0 9 * * 0  0 17 * * 0  America/New_York'
const NEW_YORK_GAP = '30 2 * * *  30 4 * * *  America/New_York'
const NEW_YORK_TWICE = '30 1 * * *  0 2 * * *  America/New_York'
const BERLIN_NIGHT = '0 22 * * *  0 6 * * *  Europe/Berlin'
const WEEKEND = '0 22 * * 5  0 6 * * 1  Europe/Berlin'
const CHRISTMAS = '2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin'

describe('decideWindow: one pure decision on the forge clock', () => {
  it.each([
    // Business hours in Berlin, on both sides of the spring change (CET +1, then CEST +2).
    ['office, Friday before the change, 09:30 CET', BERLIN_OFFICE, '', '2026-03-27T08:30:00Z', 'open'],
    ['office, Friday before the change, 08:30 CET', BERLIN_OFFICE, '', '2026-03-27T07:30:00Z', 'outside_windows until 2026-03-27T08:00:00.000Z'],
    ['office, Monday after the change, 08:30 CEST', BERLIN_OFFICE, '', '2026-03-30T06:30:00Z', 'outside_windows until 2026-03-30T07:00:00.000Z'],
    ['office, Monday after the change, 09:30 CEST', BERLIN_OFFICE, '', '2026-03-30T07:30:00Z', 'open'],
    ['office, Saturday: opens Monday', BERLIN_OFFICE, '', '2026-03-28T12:00:00Z', 'outside_windows until 2026-03-30T07:00:00.000Z'],
    // Europe's spring change day (29 March 2026): 02:00 does not exist, the window opens at 03:00 CEST.
    ['EU spring day, 01:30 CET', BERLIN_EARLY, '', '2026-03-29T00:30:00Z', 'outside_windows until 2026-03-29T01:00:00.000Z'],
    ['EU spring day, 03:30 CEST', BERLIN_EARLY, '', '2026-03-29T01:30:00Z', 'open'],
    ['EU spring day, 04:00 CEST closes it', BERLIN_EARLY, '', '2026-03-29T02:00:00Z', 'outside_windows until 2026-03-30T00:00:00.000Z'],
    // Europe's autumn change day (25 October 2026): 02:30 happens twice; the first opens, 03:00 CET closes.
    ['EU autumn day, before the first 02:30', BERLIN_TWICE, '', '2026-10-25T00:15:00Z', 'outside_windows until 2026-10-25T00:30:00.000Z'],
    ['EU autumn day, the second 02:45 (CET)', BERLIN_TWICE, '', '2026-10-25T01:45:00Z', 'open'],
    ['EU autumn day, 03:00 CET', BERLIN_TWICE, '', '2026-10-25T02:00:00Z', 'outside_windows until 2026-10-26T01:30:00.000Z'],
    // The US spring change day (8 March 2026): EST −5 before, EDT −4 after; 02:30 does not exist.
    ['US spring day, Sunday 09:30 EDT', NEW_YORK_SUNDAY, '', '2026-03-08T13:30:00Z', 'open'],
    ['US Sunday before, 08:30 EST', NEW_YORK_SUNDAY, '', '2026-03-01T13:30:00Z', 'outside_windows until 2026-03-01T14:00:00.000Z'],
    ['US spring day, the missing 02:30 opens at 03:30 EDT', NEW_YORK_GAP, '', '2026-03-08T07:00:00Z', 'outside_windows until 2026-03-08T07:30:00.000Z'],
    // The US autumn change day (1 November 2026): 01:30 happens twice; the first opens, 02:00 EST closes.
    ['US autumn day, the second 01:45 (EST)', NEW_YORK_TWICE, '', '2026-11-01T06:45:00Z', 'open'],
    ['US autumn day, 02:00 EST', NEW_YORK_TWICE, '', '2026-11-01T07:00:00Z', 'outside_windows until 2026-11-02T06:30:00.000Z'],
    // Windows across midnight and across a weekend.
    ['night window, 01:30 CEST after midnight', BERLIN_NIGHT, '', '2026-06-10T23:30:00Z', 'open'],
    ['night window, 21:00 CEST', BERLIN_NIGHT, '', '2026-06-10T19:00:00Z', 'outside_windows until 2026-06-10T20:00:00.000Z'],
    ['night window, 06:00 CEST closes it', BERLIN_NIGHT, '', '2026-06-11T04:00:00Z', 'outside_windows until 2026-06-11T20:00:00.000Z'],
    ['weekend window, Sunday noon', WEEKEND, '', '2026-06-14T10:00:00Z', 'open'],
    ['weekend window, Wednesday', WEEKEND, '', '2026-06-10T10:00:00Z', 'outside_windows until 2026-06-12T20:00:00.000Z'],
    // A freeze beats a window, and the next opening is the first window after the freeze.
    ['freeze during office hours', BERLIN_OFFICE, CHRISTMAS, '2026-12-24T10:00:00Z', 'frozen until 2026-12-28T08:00:00.000Z'],
    ['office hours after the freeze', BERLIN_OFFICE, CHRISTMAS, '2026-12-28T08:30:00Z', 'open'],
    ['a freeze alone: open outside it', '', CHRISTMAS, '2026-12-23T22:59:00Z', 'open'],
    ['a freeze alone: frozen until it ends', '', CHRISTMAS, '2026-12-23T23:00:00Z', 'frozen until 2026-12-26T23:00:00.000Z'],
    // Windows never block each other.
    ['two overlapping windows, in the second only', `0 9 * * 1  0 12 * * 1  UTC\n0 11 * * 1  0 15 * * 1  UTC`, '', '2026-06-08T13:00:00Z', 'open'],
    ['two overlapping windows, in both', `0 9 * * 1  0 12 * * 1  UTC\n0 11 * * 1  0 15 * * 1  UTC`, '', '2026-06-08T11:30:00Z', 'open'],
    ['no window configured', '', '', '2026-06-08T03:00:00Z', 'open']
  ])('%s', (_name, allow, deny, at, expected) => {
    expect(verdict(schedule(allow, deny), at)).toBe(expected)
  })

  it('says when the next window opens, in its zone and in UTC', () => {
    const decision = decideWindow(schedule(BERLIN_OFFICE, CHRISTMAS), Date.parse('2026-12-24T10:00:00Z'))
    if (decision.open) throw new Error('expected closed')
    expect(describeClosed(decision)).toBe(
      `deploy freeze '2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin' is on; the next window opens 2026-12-28 09:00 Europe/Berlin (08:00 UTC)`
    )
  })

  it('names a UTC opening once', () => {
    const decision = decideWindow(schedule('', '2026-12-24T00:00 2026-12-27T00:00 UTC'), Date.parse('2026-12-25T00:00:00Z'))
    if (decision.open) throw new Error('expected closed')
    expect(describeClosed(decision)).toBe(`deploy freeze '2026-12-24T00:00 2026-12-27T00:00 UTC' is on; the next window opens 2026-12-27 00:00 UTC`)
  })

  it('says so when no window opens within the horizon', () => {
    const decision = decideWindow(schedule('2020-01-01T00:00 2020-01-02T00:00 UTC'), Date.parse('2026-06-08T03:00:00Z'))
    if (decision.open) throw new Error('expected closed')
    expect(describeClosed(decision)).toBe('outside every deploy window; no window opens within four years')
  })
})
