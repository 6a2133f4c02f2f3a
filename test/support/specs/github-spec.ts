/**
 * The fake GitHub's rules: REST exchanges against GitHub's own OpenAPI description of api.github.com
 * (@octokit/openapi, generated/api.github.com.json, cut to the operations the fake serves in
 * github-api.github.com.json), and the one GraphQL mutation the project sends, which that description does not
 * cover, against the documented `updateRefs` input (docs.github.com/en/graphql/reference/mutations#updaterefs).
 */
import { resolve } from 'node:path'
import { refTo, specValidator, type Exchange, type SpecRules, type SpecValidator } from './spec-validator.js'

const DOCS = 'https://docs.github.com/en/rest'

const RULES: SpecRules = {
  name: 'the api.github.com OpenAPI description',
  errorSchema: refTo('#/components/schemas/basic-error'),
  generic: [
    {
      status: 304,
      cite: `${DOCS}/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate`,
      when: (exchange) => exchange.method === 'GET' && 'if-none-match' in exchange.headers
    },
    { status: 401, cite: `${DOCS}/using-the-rest-api/troubleshooting-the-rest-api (401 Bad credentials / Requires authentication)` },
    {
      status: 403,
      cite: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-primary-rate-limit; ${DOCS}/using-the-rest-api/troubleshooting-the-rest-api (Resource not accessible by integration)`
    }
  ],
  errata: [
    {
      operation: 'repos/create-commit-status',
      status: 422,
      cite: `${DOCS}/using-the-rest-api/troubleshooting-the-rest-api (422 Validation failed: a state outside the list, or "No commit found for SHA")`,
      schema: refTo('#/components/schemas/validation-error')
    },
    {
      operation: 'repos/create-deployment-status',
      status: 404,
      cite: `${DOCS}/deployments/statuses#create-a-deployment-status: a deployment id that does not exist is not found`
    }
  ]
}

export function githubSpec(): SpecValidator {
  return specValidator(resolve('test/support/specs/github-api.github.com.json'), RULES)
}

/** The version of @octokit/openapi the excerpt was cut from. */
export function githubSpecVersion(): string {
  return (githubSpec().document.info as { 'x-source': { version: string } })['x-source'].version
}

/**
 * docs.github.com/en/graphql/reference/input-objects#updaterefsinput and #refupdate: UpdateRefsInput
 * {clientMutationId: String, refUpdates: [RefUpdate!]!, repositoryId: ID!}; RefUpdate {afterOid: GitObjectID!,
 * beforeOid: GitObjectID, force: Boolean = false, name: GitRefname!}. GraphQL rejects fields an input type does
 * not define, hence additionalProperties: false.
 */
const OID = { type: 'string', pattern: '^([0-9a-f]{40}|[0-9a-f]{64})$' }
const UPDATE_REFS_REQUEST = {
  type: 'object',
  required: ['query', 'variables'],
  properties: {
    query: { type: 'string' },
    variables: {
      type: 'object',
      required: ['input'],
      additionalProperties: false,
      properties: {
        input: {
          type: 'object',
          required: ['refUpdates', 'repositoryId'],
          additionalProperties: false,
          properties: {
            clientMutationId: { type: 'string' },
            repositoryId: { type: 'string', minLength: 1 },
            refUpdates: {
              type: 'array',
              items: {
                type: 'object',
                required: ['afterOid', 'name'],
                additionalProperties: false,
                properties: {
                  afterOid: OID,
                  beforeOid: { anyOf: [OID, { type: 'null' }] },
                  force: { type: 'boolean' },
                  name: { type: 'string', pattern: '^refs/' }
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * A GraphQL answer (spec.graphql.org, "Response Format": `data` and/or `errors`, each error with a `message`)
 * whose data is UpdateRefsPayload {clientMutationId: String} (docs.github.com/en/graphql/reference/objects#updaterefspayload).
 */
const UPDATE_REFS_ANSWER = {
  type: 'object',
  anyOf: [{ required: ['data'] }, { required: ['errors'] }],
  properties: {
    data: {
      type: 'object',
      required: ['updateRefs'],
      additionalProperties: false,
      properties: {
        updateRefs: {
          anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, properties: { clientMutationId: { type: ['string', 'null'] } } }]
        }
      }
    },
    errors: { type: 'array', minItems: 1, items: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } } }
  }
}

/** `mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { <UpdateRefsPayload fields> } }` */
const UPDATE_REFS_DOCUMENT =
  /^\s*mutation\s*(\w+\s*)?\(\s*\$input\s*:\s*UpdateRefsInput!\s*\)\s*\{\s*updateRefs\s*\(\s*input\s*:\s*\$input\s*\)\s*\{([^{}]*)\}\s*\}\s*$/
const PAYLOAD_FIELDS: ReadonlySet<string> = new Set(['clientMutationId'])

/** Violations of a POST /graphql exchange: only the updateRefs mutation is known (and served) here. */
export function checkGraphql(exchange: Exchange): string[] {
  const label = 'POST /graphql (updateRefs)'
  const spec = githubSpec()
  if (exchange.method !== 'POST') return [`${exchange.method} /graphql: GraphQL takes POST`]
  if (exchange.answer.status !== 200) {
    return RULES.generic.some((g) => g.status === exchange.answer.status)
      ? spec.validateAgainst(RULES.errorSchema, exchange.answer.body).map((e) => `${label}: answer ${exchange.answer.status} body ${e}`)
      : [`${label}: answer ${exchange.answer.status}; GitHub's GraphQL API answers 200 with errors in the body`]
  }
  const found = spec.validateAgainst(UPDATE_REFS_REQUEST, exchange.body).map((e) => `request body ${e}`)
  const query = (exchange.body as { query?: unknown } | undefined)?.query
  const document = typeof query === 'string' ? UPDATE_REFS_DOCUMENT.exec(query) : null
  if (!document) found.push('request query is not the updateRefs mutation over one UpdateRefsInput! variable')
  else {
    const fields = document[2]!.split(/[\s,]+/).filter(Boolean)
    for (const field of fields) if (!PAYLOAD_FIELDS.has(field)) found.push(`request selects ${field}, which UpdateRefsPayload does not have`)
  }
  found.push(...spec.validateAgainst(UPDATE_REFS_ANSWER, exchange.answer.body).map((e) => `answer 200 body ${e}`))
  return found.map((v) => `${label}: ${v}`)
}
