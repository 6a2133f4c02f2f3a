import { MAX_REPORT_BYTES, reportOutput } from '../../src/action/report-output.js'
import type { TenantReport } from '../../src/types.js'
import { recordOf, tenant } from '../../test/support/records.js'

/** A fleet of `size` tenants with long realistic names, `stale` of them stale and `unreachable` unreachable. */
function fleet(size: number, stale: number, unreachable: number): TenantReport[] {
  return Array.from({ length: size }, (_, i) =>
    tenant(`tenant-${String(i).padStart(5, '0')}-eu-west-production`, i < stale ? 'stale' : i < stale + unreachable ? 'unreachable' : 'converged')
  )
}

describe('the report output stays under 1 MB', () => {
  it('is the whole record when it fits', () => {
    const record = recordOf('1 of 8 stale', fleet(8, 1, 0))
    expect(JSON.parse(reportOutput(record, null))).toEqual(record)
  })

  it('at 10,000 tenants keeps the verdict, the counts and the tenants that need attention, and says it was shortened', () => {
    const record = recordOf('3 of 10000 tenant(s) did not report 7f25373 within 240s', fleet(10_000, 2, 1))
    expect(Buffer.byteLength(JSON.stringify(record))).toBeGreaterThan(MAX_REPORT_BYTES)
    const output = reportOutput(record, 'history/production.jsonl')
    expect(Buffer.byteLength(output)).toBeLessThan(MAX_REPORT_BYTES)
    const report = JSON.parse(output)
    expect(report).toMatchObject({ result: 'stale', message: record.message, expected_sha: record.expected_sha })
    expect(report.tenants.map((t: TenantReport) => [t.name, t.state])).toEqual([
      ['tenant-00000-eu-west-production', 'stale'],
      ['tenant-00001-eu-west-production', 'stale'],
      ['tenant-00002-eu-west-production', 'unreachable']
    ])
    expect(report.shortened).toMatchObject({
      tenant_counts: { stale: 2, unreachable: 1, converged: 9_997 },
      tenants_total: 10_000,
      tenants_listed: 3,
      full_record: 'history-file history/production.jsonl'
    })
  })

  it('lists as many of the tenants needing attention as fit when even they are too many, and counts them all', () => {
    const record = recordOf('all stale', fleet(10_000, 10_000, 0))
    const output = reportOutput(record, null)
    expect(Buffer.byteLength(output)).toBeLessThan(MAX_REPORT_BYTES)
    const report = JSON.parse(output)
    expect(report.shortened.tenant_counts).toEqual({ stale: 10_000 })
    expect(report.tenants.length).toBe(report.shortened.tenants_listed)
    // Every byte but the record's head (under 2 KB here) goes to tenants: all the tenants of that size that fit.
    const perTenant = Buffer.byteLength(JSON.stringify(record.tenants[0])) + 1
    expect(report.tenants.length).toBeGreaterThanOrEqual(Math.floor((MAX_REPORT_BYTES - 2_000) / perTenant))
    expect(report.tenants.length).toBeLessThan(10_000)
    expect(report.shortened.full_record).toMatch(/set history-file/)
  })

  it('uses the room it has: one more tenant would not fit', () => {
    const record = recordOf('all stale', fleet(200, 200, 0))
    const limit = 20_000
    const report = JSON.parse(reportOutput(record, null, limit))
    const oneMore = {
      ...report,
      tenants: record.tenants.slice(0, report.tenants.length + 1),
      shortened: { ...report.shortened, tenants_listed: report.tenants.length + 1 }
    }
    expect(Buffer.byteLength(JSON.stringify(report))).toBeLessThan(limit)
    expect(Buffer.byteLength(JSON.stringify(oneMore))).toBeGreaterThanOrEqual(limit)
  })
})
