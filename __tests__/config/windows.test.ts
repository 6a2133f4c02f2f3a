import { parseWindowEntries } from '../../src/config/windows.js'
import { InputError } from '../../src/util/errors.js'

describe('parseWindowEntries', () => {
  it('reads cron windows and calendar ranges, skipping blank lines and comments', () => {
    const entries = parseWindowEntries(
      '# business hours\n0 9 * * 1-5   0 17 * * 1-5  Europe/Berlin\n\n2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin  # holidays\n',
      'deploy-windows'
    )
    expect(entries.map((e) => [e.kind, e.zone, e.text])).toEqual([
      ['cron', 'Europe/Berlin', '0 9 * * 1-5 0 17 * * 1-5 Europe/Berlin'],
      ['calendar', 'Europe/Berlin', '2026-12-24T00:00 2026-12-27T00:00 Europe/Berlin']
    ])
    const cron = entries[0].kind === 'cron' ? entries[0].from : null
    expect(cron?.minutes).toEqual([0])
    expect(cron?.hours).toEqual([9])
    expect([...(cron?.weekdays ?? [])]).toEqual([1, 2, 3, 4, 5])
  })

  it('reads lists, ranges, steps and Sunday as 7', () => {
    const [entry] = parseWindowEntries('*/15 8-10/2 1,15 * 7  0 0 * * * UTC', 'deploy-windows')
    if (entry.kind !== 'cron') throw new Error('expected a cron window')
    expect(entry.from.minutes).toEqual([0, 15, 30, 45])
    expect(entry.from.hours).toEqual([8, 10])
    expect([...entry.from.days]).toEqual([1, 15])
    expect([...entry.from.weekdays]).toEqual([0])
    expect(entry.from.daysRestricted && entry.from.weekdaysRestricted).toBe(true)
  })

  it.each([
    ['0 9 * * 1-5 0 17 * * 1-5', 'must be "<from cron> <to cron> <time zone>"'],
    ['0 9 * * 1-5 0 17 * * 1-5 Mars/Olympus', "'Mars/Olympus' is not a time zone name"],
    ['0 25 * * * 0 17 * * * UTC', "hour '25' is outside 0-23"],
    ['0 9 * * MON 0 17 * * * UTC', "day of week 'MON' must be *"],
    ['0 9 * * * 0 9 * * * UTC', 'opens and closes at the same time'],
    ['2026-12-27T00:00 2026-12-24T00:00 UTC', 'the end must come after the start'],
    ['2026-02-30T00:00 2026-03-02T00:00 UTC', "'2026-02-30T00:00' is not a real date and time"],
    ['2026-12-24 2026-12-27 UTC', "'2026-12-24' is not a YYYY-MM-DDTHH:MM time"]
  ])('refuses %p, naming the input and the entry', (line, problem) => {
    expect(() => parseWindowEntries(line, 'deploy-freezes')).toThrow(InputError)
    expect(() => parseWindowEntries(line, 'deploy-freezes')).toThrow(/^input 'deploy-freezes': entry 1 '/)
    expect(() => parseWindowEntries(line, 'deploy-freezes')).toThrow(problem)
  })
})
