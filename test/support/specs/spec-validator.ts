/**
 * Checks one exchange (request and answer) of a fake forge against the forge's own API description: the
 * method and path name an operation the description has (a templated path that exists), its path and query
 * parameters and request body match their schemas, the status is one the operation declares (or one the
 * forge documents for every operation, see `GenericAnswer`), and the answer's body matches that status's
 * schema. Reads OpenAPI 3.0 (GitHub, test/support/specs/github-api.github.com.json) and Swagger 2.0 (Gitea,
 * test/support/specs/gitea-1.22.6-swagger.json); validates with ajv, each schema compiled once per process.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'

export interface Exchange {
  readonly method: string
  /** Below the API root (the fake's `/api/v1` prefix removed). */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON, the raw text when it is not JSON, undefined when there is none. */
  readonly body: unknown
  readonly answer: { readonly status: number; readonly body?: unknown; readonly text?: string; readonly headers?: Readonly<Record<string, string>> }
}

/** A status the forge documents for any operation, beyond those each operation declares. */
export interface GenericAnswer {
  readonly status: number
  /** Why it may come (the forge's documentation). */
  readonly cite: string
  /** Only for requests like this one (e.g. a conditional GET). */
  readonly when?: (exchange: Exchange) => boolean
}

/** A status the real server sends for one operation although its description does not declare it. */
export interface Erratum {
  readonly operation: string
  readonly status: number
  /** Where the server's source or documentation shows it. */
  readonly cite: string
  /** A body schema (a `$ref` into the description) when the answer's shape also differs from the declared one. */
  readonly schema?: object
}

export interface SpecRules {
  /** Display name, e.g. "api.github.com OpenAPI (@octokit/openapi 23.0.2)". */
  readonly name: string
  /** The schema of an error body, for errors whose status declares none (a `$ref` into the description). */
  readonly errorSchema: object
  readonly generic: readonly GenericAnswer[]
  readonly errata: readonly Erratum[]
}

interface Parameter {
  readonly name: string
  readonly in: string
  readonly required: boolean
  readonly multiSegment: boolean
  /** JSON pointer of its schema (OpenAPI) or the schema itself (Swagger's inline type). */
  readonly schema: object
}

export interface Operation {
  readonly id: string
  readonly method: string
  readonly template: string
  readonly path: readonly Parameter[]
  readonly query: ReadonlyMap<string, Parameter>
  readonly body: { readonly required: boolean; readonly schema: object } | null
  /** Per declared status, its body schemas by media type (empty: no body declared). */
  readonly responses: ReadonlyMap<number, ReadonlyMap<string, object>>
}

type Json = Record<string, unknown>

const ROOT = 'spec'

export class SpecValidator {
  readonly operations: readonly Operation[]
  /** Operation ids an exchange has been validated against, for the coverage count. */
  readonly validated = new Set<string>()
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, inlineRefs: false })
  private readonly compiled = new Map<string, ValidateFunction>()

  constructor(
    readonly document: Json,
    readonly rules: SpecRules
  ) {
    addFormats(this.ajv)
    this.ajv.addSchema(document, ROOT)
    this.operations = readOperations(document, isSwagger(document) ? SWAGGER : OPENAPI)
  }

  /** Every way the exchange departs from the description; empty when it conforms. */
  check(exchange: Exchange): string[] {
    const method = exchange.method.toLowerCase()
    const found = this.operationFor(method, exchange.path)
    const label = `${exchange.method} ${exchange.path}`
    if (!found) return [`${label}: no ${exchange.method} operation in ${this.rules.name} has this path`]
    const { operation, params } = found
    this.validated.add(operation.id)
    const where = `${label} (${operation.id})`
    return [
      ...this.requestViolations(operation, params, exchange).map((v) => `${where}: request ${v}`),
      ...this.answerViolations(operation, exchange).map((v) => `${where}: ${v}`)
    ]
  }

  private requestViolations(operation: Operation, params: Record<string, string>, exchange: Exchange): string[] {
    const found: string[] = []
    for (const parameter of operation.path) {
      found.push(
        ...this.validateAgainst(parameter.schema, coerce(parameter.schema, this.document, params[parameter.name]!)).map(
          (e) => `path parameter ${parameter.name} ${e}`
        )
      )
    }
    for (const name of new Set(exchange.query.keys())) {
      const parameter = operation.query.get(name)
      if (!parameter) {
        found.push(`query parameter ${name} is not declared`)
        continue
      }
      for (const value of exchange.query.getAll(name)) {
        found.push(
          ...this.validateAgainst(parameter.schema, coerce(parameter.schema, this.document, value)).map((e) => `query parameter ${name}=${value} ${e}`)
        )
      }
    }
    for (const parameter of operation.query.values())
      if (parameter.required && !exchange.query.has(parameter.name)) found.push(`lacks query parameter ${parameter.name}`)
    if (operation.body) {
      if (exchange.body === undefined) {
        if (operation.body.required) found.push('lacks its body')
      } else found.push(...this.validateAgainst(operation.body.schema, exchange.body).map((e) => `body ${e}`))
    } else if (exchange.body !== undefined) found.push('has a body the operation does not take')
    return found
  }

  private answerViolations(operation: Operation, exchange: Exchange): string[] {
    const { status } = exchange.answer
    const erratum = this.rules.errata.find((e) => e.operation === operation.id && e.status === status)
    const declared = operation.responses.get(status)
    const generic = this.rules.generic.find((g) => g.status === status && (!g.when || g.when(exchange)))
    if (!declared && !erratum && !generic) return [`answer ${status} is not declared (declared: ${[...operation.responses.keys()].join(', ')})`]
    const text = exchange.answer.text ?? (exchange.answer.body === undefined ? '' : JSON.stringify(exchange.answer.body))
    if (status === 304 || status === 204) return text ? [`answer ${status} has a body`] : []
    const mediaType = (headerOf(exchange.answer.headers, 'content-type') ?? 'application/json').split(';')[0]!.trim()
    const schemas = erratum?.schema ? new Map([['application/json', erratum.schema]]) : (declared ?? new Map<string, object>())
    if (schemas.size === 0 && status < 400) return text ? [`answer ${status} has a body and the operation declares none`] : []
    const schema = schemas.get(mediaType) ?? (schemas.size === 0 ? this.rules.errorSchema : undefined)
    if (!schema) return [`answer ${status} is ${mediaType}, declared: ${[...schemas.keys()].join(', ')}`]
    const body = mediaType.endsWith('json') ? parseJson(text) : text
    return this.validateAgainst(schema, body).map((e) => `answer ${status} body ${e}`)
  }

  /** The operation a request path names, with its path parameters. */
  operationFor(method: string, path: string): { operation: Operation; params: Record<string, string> } | undefined {
    method = method.toLowerCase()
    const segments = path.split('/').slice(1)
    // Single-segment parameters first, so `/commits/{ref}/statuses` wins over `/commits/{ref}` with ref `x/statuses`.
    for (const greedy of [false, true]) {
      for (const operation of this.operations) {
        if (operation.method !== method) continue
        const params = matchTemplate(operation, segments, greedy)
        if (params) return { operation, params }
      }
    }
    return undefined
  }

  /** Violations of `value` against a schema (which may `$ref` into the description, see `refTo`). */
  validateAgainst(schema: object, value: unknown): string[] {
    const key = JSON.stringify(schema)
    let validate = this.compiled.get(key)
    if (!validate) {
      validate = this.ajv.compile(schema)
      this.compiled.set(key, validate)
    }
    if (validate(value)) return []
    const errors = validate.errors ?? []
    // A nullable property fails both its schema and `null`: the `null` branch and the anyOf summary say nothing more.
    const telling = errors.filter((e) => !(e.keyword === 'type' && e.params.type === 'null') && e.keyword !== 'anyOf')
    return (telling.length ? telling : errors).map(
      (e) =>
        `${e.instancePath ? `${e.instancePath} ` : ''}${e.message ?? 'is invalid'}${'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`
    )
  }
}

/** One validator per description and process: loading and compiling happen once, whatever the number of fakes. */
const cache = new Map<string, SpecValidator>()

export function specValidator(file: string, rules: SpecRules): SpecValidator {
  let validator = cache.get(file)
  if (!validator) {
    const document = JSON.parse(readFileSync(file, 'utf8')) as Json
    validator = new SpecValidator(isSwagger(document) ? nullableGoPointers(document) : openApiForAjv(document), rules)
    cache.set(file, validator)
  }
  return validator
}

/** A `$ref` into the loaded description, for `SpecRules` schemas. */
export function refTo(pointer: string): object {
  return { $ref: `${ROOT}${pointer}` }
}

function addFormats(ajv: Ajv): void {
  // ajv-formats is CommonJS: under Node's ESM loader its default import is the module object, `.default` the plugin.
  addFormatsPlugin.default(ajv)
  // Formats the descriptions name that JSON Schema does not define: number widths and GitHub's `timestamp`.
  for (const format of ['int32', 'int64', 'uint64', 'timestamp']) ajv.addFormat(format, true)
}

function isSwagger(document: Json): boolean {
  return document.swagger === '2.0'
}

function matchTemplate(operation: Operation, segments: readonly string[], greedy: boolean): Record<string, string> | undefined {
  const parts = operation.template.split('/').slice(1)
  const params: Record<string, string> = {}
  let at = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const name = /^\{(\w+)\}$/.exec(part)?.[1]
    if (!name) {
      if (segments[at] !== part) return undefined
      at++
      continue
    }
    const multi = greedy && operation.path.find((p) => p.name === name)?.multiSegment
    // A multi-segment parameter takes what the literal parts after it leave.
    const take = multi ? segments.length - at - (parts.length - i - 1) : 1
    if (take < 1 || at + take > segments.length) return undefined
    params[name] = decodeURIComponent(segments.slice(at, at + take).join('/'))
    at += take
  }
  return at === segments.length ? params : undefined
}

/** Query and path values arrive as text; a number or boolean parameter is checked as one. */
function coerce(schema: object, document: Json, value: string): unknown {
  const type = (resolve(document, schema) as { type?: unknown }).type
  if (type === 'integer' || type === 'number') return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value
  return value
}

function resolve(document: Json, schema: object): object {
  let node = schema as Json
  for (let hops = 0; typeof node.$ref === 'string' && hops < 10; hops++) node = pointer(document, (node.$ref as string).slice(ROOT.length + 1)) as Json
  return node
}

function pointer(document: Json, path: string): unknown {
  return path
    .split('/')
    .slice(1)
    .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Json)[part], document)
}

function escapePointer(part: string): string {
  return encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))
}

function headerOf(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1]
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text)
  } catch {
    return text
  }
}

function refOrSelf(document: Json, node: Json, prefix: string): Json {
  return typeof node.$ref === 'string' && node.$ref.startsWith(prefix) ? (pointer(document, node.$ref.slice(1)) as Json) : node
}

/** What differs between the two dialects: where parameters and responses live, and where their schemas sit. */
interface Dialect {
  readonly parameters: string
  readonly responses: string
  /** The schema of a parameter found at pointer `at`. */
  parameterSchema(parameter: Json, at: string): object
  /** A response's body schemas by media type; `at` is the pointer of the response. */
  responseSchemas(response: Json, at: string): Map<string, object>
  requestBody(op: Json, base: string, parameters: readonly Parameter[]): Operation['body']
}

/** OpenAPI 3.0: parameters carry a `schema`, the request body and responses their schemas by media type. */
const OPENAPI: Dialect = {
  parameters: '#/components/parameters/',
  responses: '#/components/responses/',
  parameterSchema: (_parameter, at) => ({ $ref: `${ROOT}${at}/schema` }),
  responseSchemas: (response, at) =>
    new Map(Object.keys((response.content as Json | undefined) ?? {}).map((type) => [type, { $ref: `${ROOT}${at}/content/${escapePointer(type)}/schema` }])),
  requestBody: (op, base) => {
    const body = op.requestBody as Json | undefined
    return body ? { required: body.required === true, schema: { $ref: `${ROOT}${base}/requestBody/content/application~1json/schema` } } : null
  }
}

/** Swagger 2.0: non-body parameters carry their type inline; the body parameter and responses carry a schema. */
const SWAGGER: Dialect = {
  parameters: '#/parameters/',
  responses: '#/responses/',
  parameterSchema: (parameter, at) =>
    parameter.in === 'body'
      ? { $ref: `${ROOT}${at}/schema` }
      : Object.fromEntries(['type', 'format', 'enum', 'items', 'minimum', 'maximum'].filter((k) => k in parameter).map((k) => [k, parameter[k]])),
  responseSchemas: (response, at) => new Map(response.schema ? [['application/json', { $ref: `${ROOT}${at}/schema` }]] : []),
  requestBody: (_op, _base, parameters) => {
    const body = parameters.find((p) => p.in === 'body')
    return body ? { required: body.required, schema: body.schema } : null
  }
}

function readOperations(document: Json, dialect: Dialect): Operation[] {
  const operations: Operation[] = []
  for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
    const shared = ((item.parameters as Json[] | undefined) ?? []).map((raw, i): [Json, string] => [raw, `#/paths/${escapePointer(template)}/parameters/${i}`])
    for (const [method, op] of Object.entries(item) as [string, Json][]) {
      if (method === 'parameters') continue
      const base = `#/paths/${escapePointer(template)}/${method}`
      const own = ((op.parameters as Json[] | undefined) ?? []).map((raw, i): [Json, string] => [raw, `${base}/parameters/${i}`])
      const parameters = [...shared, ...own].map(([raw, at]): Parameter => {
        const parameter = refOrSelf(document, raw, dialect.parameters)
        const where = typeof raw.$ref === 'string' ? raw.$ref : at
        return {
          name: String(parameter.name),
          in: String(parameter.in),
          required: parameter.required === true,
          multiSegment: parameter['x-multi-segment'] === true,
          schema: dialect.parameterSchema(parameter, where)
        }
      })
      const responses = new Map<number, Map<string, object>>()
      for (const [status, raw] of Object.entries(op.responses as Record<string, Json>)) {
        const where = typeof raw.$ref === 'string' ? raw.$ref : `${base}/responses/${status}`
        responses.set(Number(status), dialect.responseSchemas(refOrSelf(document, raw, dialect.responses), where))
      }
      operations.push({
        id: String(op.operationId),
        method,
        template,
        path: parameters.filter((p) => p.in === 'path'),
        query: new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p])),
        body: dialect.requestBody(op, base, parameters),
        responses
      })
    }
  }
  return operations
}

/**
 * Swagger 2.0 has no null. Gitea's description is generated from Go structs (go-swagger), where a pointer or
 * slice field without `omitempty` encodes nil as JSON null (a commit's `author` with no matching user, `files`
 * and `stats` when not asked for): such properties (a `$ref` or an array) accept null as well.
 */
function nullableGoPointers(document: Json): Json {
  const definitions = document.definitions as Record<string, Json>
  const patched: Record<string, Json> = {}
  for (const [name, definition] of Object.entries(definitions)) {
    const properties = definition.properties as Record<string, Json> | undefined
    if (!properties) {
      patched[name] = definition
      continue
    }
    patched[name] = {
      ...definition,
      properties: Object.fromEntries(
        Object.entries(properties).map(([key, property]) => [
          key,
          typeof property.$ref === 'string' || property.type === 'array' ? { anyOf: [property, { type: 'null' }] } : property
        ])
      )
    }
  }
  return { ...document, definitions: patched }
}

/**
 * Two spellings of the OpenAPI 3.0 description that ajv reads otherwise than the description means:
 * - `nullable: true` adds null to `type`; ajv implements it only next to a `type`. Beside `allOf`/`oneOf`/`$ref`
 *   alone the same meaning is spelled anyOf [schema, null].
 * - a `default` is the value the field holds when the request gave none; where it breaks the field's own
 *   `format` (deployment-status `target_url`: `format: uri`, `default: ""`), the documented default is accepted too.
 */
function openApiForAjv(node: unknown): Json {
  if (Array.isArray(node)) return node.map(openApiForAjv) as unknown as Json
  if (!node || typeof node !== 'object') return node as Json
  const mapped: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, openApiForAjv(value)]))
  if (typeof mapped.format === 'string' && typeof mapped.default === 'string' && mapped.type === 'string') {
    return { anyOf: [mapped, { const: mapped.default }] }
  }
  if (mapped.nullable !== true || 'type' in mapped) return mapped
  const rest = { ...mapped }
  delete rest.nullable
  return { anyOf: [rest, { type: 'null' }] }
}
