import { reportOutput } from '../../src/action/report-output.js'
import { assertDocumentedRecord } from '../../test/support/record-schema.js'
import { recordOf, tenant } from '../../test/support/records.js'

const record = recordOf('1 of 3 tenant(s) did not report 7f25373', [tenant('hongming', 'stale'), tenant('ana', 'converged'), tenant('bo', 'unreachable')])

describe('docs/record.schema.json', () => {
  it('describes the record the pipeline cuts, and the shortened report output', () => {
    expect(assertDocumentedRecord(record)).toBe(record)
    const shortened = JSON.parse(reportOutput(record, 'history.jsonl', 1200)) as Record<string, unknown>
    expect(shortened.shortened).toMatchObject({ tenants_total: 3 })
    expect(() => assertDocumentedRecord(shortened)).not.toThrow()
  })

  it.each([
    ['a field it does not document', { ...record, extra: 1 }, /must NOT have additional properties/],
    ['a missing field', { ...record, schema_version: undefined }, /must have required property 'schema_version'/],
    ['a run URL that is not a link', { ...record, run_url: 'ftp://ci/1' }, /run_url/],
    [
      'a tenant without its redeploy facts',
      { ...record, tenants: [{ ...record.tenants[0], redeployed: undefined }] },
      /must have required property 'redeployed'/
    ],
    ['a state it does not name', { ...record, tenants: [{ ...record.tenants[0], state: 'green' }] }, /state must be equal to one of the allowed values/]
  ])('rejects %s', (_, bad, message) => {
    expect(() => assertDocumentedRecord(JSON.parse(JSON.stringify(bad)))).toThrow(message)
  })
})
