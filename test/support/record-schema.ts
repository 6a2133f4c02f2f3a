import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'

/** docs/record.schema.json, compiled strictly: a schema keyword ajv does not know is an error too. */
const ajv = new Ajv2020({ allErrors: true, strict: true })
const validate = ajv.compile(JSON.parse(readFileSync(resolve('docs/record.schema.json'), 'utf8')) as object)

/** Throws, naming every mismatch, unless the record (or shortened report) is what the documented schema says. */
export function assertDocumentedRecord<T>(record: T): T {
  if (!validate(record)) throw new Error(`the record does not match docs/record.schema.json: ${ajv.errorsText(validate.errors, { separator: '; ' })}`)
  return record
}
