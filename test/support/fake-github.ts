/**
 * Fake GitHub REST API (api version 2022-11-28), following docs.github.com/rest:
 *   GET    /repos/{o}/{r}                               repos#get-a-repository (default_branch)
 *   GET    /repos/{o}/{r}/git/ref/{ref}                 git/refs#get-a-reference (404 when absent)
 *   POST   /repos/{o}/{r}/git/refs                      git/refs#create-a-reference (201; 422 "Reference already exists")
 *   PATCH  /repos/{o}/{r}/git/refs/{ref}                git/refs#update-a-reference (422 "Update is not a fast forward" unless force)
 *   DELETE /repos/{o}/{r}/git/refs/{ref}                git/refs#delete-a-reference (204; 422 "Reference does not exist")
 *   GET    /repos/{o}/{r}/commits/{ref}                 commits/commits#get-a-commit (Accept application/vnd.github.sha → bare SHA;
 *                                                       422 "No commit found for SHA: …")
 *   GET    /repos/{o}/{r}/compare/{base}...{head}       commits/commits#compare-two-commits (status, ahead_by, behind_by,
 *                                                       total_commits, commits paginated by per_page/page; 404 unknown side)
 *   GET    /repos/{o}/{r}/commits/{ref}/statuses        commits/statuses#list-commit-statuses-for-a-reference (newest first,
 *                                                       per_page ≤ 100, page, Link rel="next")
 *   POST   /repos/{o}/{r}/statuses/{sha}                commits/statuses#create-a-commit-status (201; 422 Validation Failed)
 *   GET    /repos/{o}/{r}/git/commits/{sha}             git/commits#get-a-commit-object (message, tree, parents; 404)
 *   POST   /repos/{o}/{r}/git/commits                   git/commits#create-a-commit (201; 422 unknown tree or parent)
 *   POST   /repos/{o}/{r}/deployments                   deployments/deployments#create-a-deployment (201 with the deployment;
 *                                                       auto_merge defaults to true: a ref behind the default branch answers
 *                                                       202 "Auto-merged …" and creates nothing; required_contexts omitted: every
 *                                                       context on the commit must be success, else 409 "Conflict: Commit status
 *                                                       checks failed for …"; 422 "No ref found for: …")
 *   POST   /repos/{o}/{r}/deployments/{id}/statuses     deployments/statuses#create-a-deployment-status (201; state one of error,
 *                                                       failure, inactive, in_progress, queued, pending, success, else 422; 404
 *                                                       unknown deployment; `success` with auto_inactive (default true) adds an
 *                                                       `inactive` status to the environment's earlier successful non-transient,
 *                                                       non-production deployments)
 *                                                       Both answer 403 "Resource not accessible by integration" to a token
 *                                                       without `deployments: write` (denyPermission('deployments')).
 *   POST   /graphql                                     mutation updateRefs(input: {repositoryId, refUpdates: [{name, beforeOid,
 *                                                       afterOid, force}]}): atomic; a beforeOid that does not match (all zeros: the
 *                                                       ref must not exist) answers 200 with `errors` and changes nothing; afterOid
 *                                                       all zeros deletes the ref
 * Bodies are the description's schemas in full (full-repository, git-ref, git-commit, commit, commit-comparison, status,
 * deployment, deployment-status): every exchange is checked against GitHub's OpenAPI description of api.github.com
 * (@octokit/openapi; test/support/specs/README.md), and a test fails on one it does not allow.
 * Errors: `{message, documentation_url, status}`; 401 "Bad credentials" without `Authorization: Bearer|token <token>`.
 * Every answer carries x-ratelimit-limit/remaining/reset/used/resource (rate-limits-for-the-rest-api); GETs carry a
 * weak ETag and answer 304 to a matching If-None-Match without spending the rate limit; a spent limit answers
 * 403 "API rate limit exceeded …" with x-ratelimit-remaining: 0 until x-ratelimit-reset.
 *
 * Test API beyond FakeForgeServer's: exhaustRateLimit(resetInSeconds), rateLimit (limit/remaining/reset),
 * refs(): every ref by full name, deployments: every deployment created with its statuses (oldest first),
 * denyPermission('deployments'): the token lacks `deployments: write`.
 */
import { createHash } from 'node:crypto'
import { FakeForgeServer, type RouteAnswer, type RouteRequest, type StoredStatus } from './fake-forge.js'
import { Conformance } from './specs/conformance.js'
import { checkGraphql, githubSpec } from './specs/github-spec.js'

const DOCS = 'https://docs.github.com/rest'
const STATES = new Set(['error', 'failure', 'pending', 'success'])
const DEPLOYMENT_STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'])

export interface FakeDeployment {
  readonly id: number
  readonly sha: string
  readonly ref: string
  readonly environment: string
  readonly description: string
  readonly transientEnvironment: boolean
  readonly productionEnvironment: boolean
  readonly statuses: { state: string; description: string; logUrl: string; environmentUrl: string }[]
}

export class FakeGitHub extends FakeForgeServer {
  readonly rateLimit = { limit: 5000, remaining: 5000, resetEpoch: 0, used: 0 }
  /** Refs outside heads/ and tags/ (e.g. lock refs), by full name. */
  private readonly otherRefs = new Map<string, string>()
  /** Commits created through the API: their message and tree. */
  private readonly createdCommits = new Map<string, { message: string; tree: string }>()
  readonly nodeId = 'R_kgDOfleet'
  readonly deployments: FakeDeployment[] = []
  private readonly denied = new Set<'deployments'>()
  private createdCount = 0
  /** Every exchange is checked against api.github.com's OpenAPI description (test/support/specs/github-spec.ts). */
  readonly conformance = new Conformance('fake GitHub', '', (exchange) =>
    exchange.path === '/graphql' ? checkGraphql(exchange) : githubSpec().check(exchange)
  )

  constructor(options: { owner?: string; repo?: string; token?: string; now?: () => number } = {}) {
    super(options.owner ?? 'acme', options.repo ?? 'fleet', options.token ?? 'ghs_fake_token', options.now ?? Date.now, '')
    this.rateLimit.resetEpoch = Math.floor(this.now() / 1000) + 3600
    this.defineRoutes()
  }

  /** The primary rate limit is spent until `resetInSeconds` from the fake's now. */
  exhaustRateLimit(resetInSeconds: number): void {
    this.rateLimit.remaining = 0
    this.rateLimit.used = this.rateLimit.limit
    this.rateLimit.resetEpoch = Math.floor(this.now() / 1000) + resetInSeconds
  }

  /** The token lacks this permission from now on (GitHub answers 403 "Resource not accessible by integration"). */
  denyPermission(permission: 'deployments'): void {
    this.denied.add(permission)
  }

  refs(): Map<string, string> {
    const all = new Map<string, string>()
    for (const [name, sha] of this.branches) all.set(`refs/heads/${name}`, sha)
    for (const [name, sha] of this.tags) all.set(`refs/tags/${name}`, sha)
    for (const [name, sha] of this.otherRefs) all.set(name, sha)
    return all
  }

  protected admit(req: RouteRequest): RouteAnswer | null {
    const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!match || match[1] !== this.token) return this.error(401, 'Bad credentials')
    this.refillWhenReset()
    if (this.rateLimit.remaining === 0) {
      return this.error(403, 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.', {
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`
      })
    }
    return null
  }

  protected errorBody(status: number, message: string): unknown {
    return { message, documentation_url: DOCS, status: String(status) }
  }

  protected finish(req: RouteRequest, answer: RouteAnswer): RouteAnswer {
    let result = answer
    if (req.method === 'GET' && answer.status === 200) {
      const text = answer.text ?? JSON.stringify(answer.body)
      const etag = this.etagOf(text)
      result =
        req.headers['if-none-match'] === etag
          ? { status: 304, headers: { ...answer.headers, etag } }
          : { ...answer, text, headers: { ...answer.headers, etag } }
    }
    // 304s are free; so is the refusal of an exhausted limit.
    if (result.status !== 304 && this.rateLimit.remaining > 0 && result.status !== 401) {
      this.rateLimit.remaining--
      this.rateLimit.used++
    }
    const final = {
      ...result,
      headers: {
        ...result.headers,
        'x-ratelimit-limit': String(this.rateLimit.limit),
        'x-ratelimit-remaining': String(this.rateLimit.remaining),
        'x-ratelimit-reset': String(this.rateLimit.resetEpoch),
        'x-ratelimit-used': String(this.rateLimit.used),
        'x-ratelimit-resource': 'core'
      }
    }
    this.conformance.observe(req, final)
    return final
  }

  protected closed(): void {
    this.conformance.retire()
  }

  private refillWhenReset(): void {
    if (this.now() >= this.rateLimit.resetEpoch * 1000) {
      this.rateLimit.remaining = this.rateLimit.limit
      this.rateLimit.used = 0
      this.rateLimit.resetEpoch = Math.floor(this.now() / 1000) + 3600
    }
  }

  private defineRoutes(): void {
    this.route('GET', this.repoTemplate(''), () => ({ status: 200, body: this.repositoryJson() }))

    this.route('GET', this.repoTemplate('/git/ref/{ref+}'), ({ params }) => {
      const sha = this.refs().get(`refs/${params.ref}`)
      return sha ? { status: 200, body: this.refJson(`refs/${params.ref}`, sha) } : this.error(404, 'Not Found')
    })

    this.route('POST', this.repoTemplate('/git/refs'), ({ body }) => {
      const { ref, sha } = (body ?? {}) as { ref?: unknown; sha?: unknown }
      if (typeof ref !== 'string' || !/^refs\/.+\/.+/.test(ref)) return this.error(422, 'Reference name is invalid')
      if (typeof sha !== 'string' || !this.parents.has(sha.toLowerCase())) return this.error(422, 'Object does not exist')
      if (this.refs().has(ref)) return this.error(422, 'Reference already exists')
      this.writeRef(ref, sha.toLowerCase())
      return { status: 201, body: this.refJson(ref, sha.toLowerCase()) }
    })

    this.route('PATCH', this.repoTemplate('/git/refs/{ref+}'), ({ params, body }) => {
      const name = `refs/${params.ref}`
      const current = this.refs().get(name)
      const { sha, force } = (body ?? {}) as { sha?: unknown; force?: unknown }
      if (!current) return this.error(422, 'Reference does not exist')
      if (typeof sha !== 'string' || !this.parents.has(sha.toLowerCase())) return this.error(422, 'Object does not exist')
      if (force !== true && !this.reachable(sha.toLowerCase()).has(current)) return this.error(422, 'Update is not a fast forward')
      this.writeRef(name, sha.toLowerCase())
      return { status: 200, body: this.refJson(name, sha.toLowerCase()) }
    })

    this.route('DELETE', this.repoTemplate('/git/refs/{ref+}'), ({ params }) => {
      const name = `refs/${params.ref}`
      if (!this.refs().has(name)) return this.error(422, 'Reference does not exist')
      this.writeRef(name, null)
      return { status: 204 }
    })

    this.route('GET', this.repoTemplate('/git/commits/{sha}'), ({ params }) => {
      const sha = params.sha!.toLowerCase()
      if (!this.parents.has(sha)) return this.error(404, 'Not Found')
      return { status: 200, body: this.gitCommitJson(sha) }
    })

    this.route('POST', this.repoTemplate('/git/commits'), ({ body }) => {
      const { message, tree, parents } = (body ?? {}) as { message?: unknown; tree?: unknown; parents?: unknown }
      if (typeof message !== 'string' || typeof tree !== 'string') return this.error(422, 'Invalid request.')
      const knownTree = [...this.parents.keys()].some((sha) => this.treeOf(sha) === tree) || [...this.createdCommits.values()].some((c) => c.tree === tree)
      if (!knownTree) return this.error(422, 'Tree SHA does not exist')
      const list = Array.isArray(parents) ? parents.map(String) : []
      if (list.some((p) => !this.parents.has(p.toLowerCase()))) return this.error(422, 'Parent SHA does not exist or is not a commit object')
      const sha = createHash('sha1')
        .update(`${message}\0${tree}\0${list.join(',')}\0${this.now()}\0${++this.createdCount}`)
        .digest('hex')
      this.addCommit(sha, list)
      this.createdCommits.set(sha, { message, tree })
      return { status: 201, body: this.gitCommitJson(sha) }
    })

    this.route('POST', '/graphql', ({ body }) => this.graphql(body))

    this.route('POST', this.repoTemplate('/deployments'), ({ body }) => this.createDeployment(body))

    this.route('POST', this.repoTemplate('/deployments/{id}/statuses'), ({ params, body }) => this.createDeploymentStatus(Number(params.id), body))

    this.route('GET', this.repoTemplate('/commits/{ref+}/statuses'), ({ params, query }) => {
      const sha = this.resolveRef(params.ref!)
      const perPage = Math.min(Number(query.get('per_page') ?? 30) || 30, 100)
      const page = Math.max(Number(query.get('page') ?? 1) || 1, 1)
      const newestFirst = sha ? [...this.statuses(sha)].reverse() : []
      const slice = newestFirst.slice((page - 1) * perPage, page * perPage)
      const more = page * perPage < newestFirst.length
      const link = `${this.url}/repos/${this.owner}/${this.repo}/commits/${params.ref}/statuses?per_page=${perPage}&page=${page + 1}`
      return {
        status: 200,
        body: slice.map((s) => this.statusJson(sha!, s)),
        headers: more ? { link: `<${link}>; rel="next"` } : ({} as Record<string, string>)
      }
    })

    this.route('GET', this.repoTemplate('/commits/{ref+}'), ({ params, headers }) => {
      const sha = this.resolveRef(params.ref!)
      if (!sha) {
        return this.error(422, `No commit found for SHA: ${params.ref}`, { documentation_url: `${DOCS}/commits/commits#get-a-commit` })
      }
      if ((headers.accept ?? '').includes('application/vnd.github.sha')) {
        return { status: 200, text: sha, headers: { 'content-type': 'application/vnd.github.sha; charset=utf-8' } }
      }
      return { status: 200, body: this.commitJson(sha) }
    })

    this.route('GET', this.repoTemplate('/compare/{basehead+}'), ({ params, query }) => {
      const [baseRef, headRef] = params.basehead!.split('...')
      const base = baseRef ? this.resolveRef(baseRef) : undefined
      const head = headRef ? this.resolveRef(headRef) : undefined
      if (!base || !head) return this.error(404, 'Not Found')
      const headOnly = this.log(head, base)
      const baseOnly = this.log(base, head)
      const status =
        headOnly.length === 0 && baseOnly.length === 0 ? 'identical' : baseOnly.length === 0 ? 'ahead' : headOnly.length === 0 ? 'behind' : 'diverged'
      const perPage = Math.min(Number(query.get('per_page') ?? 250) || 250, 250)
      const page = Math.max(Number(query.get('page') ?? 1) || 1, 1)
      const chronological = [...headOnly].reverse()
      const mergeBase = this.log(head).find((sha) => this.reachable(base).has(sha))
      return {
        status: 200,
        body: {
          url: `${this.api}/compare/${params.basehead}`,
          html_url: `${this.web}/compare/${params.basehead}`,
          permalink_url: `${this.web}/compare/${this.owner}:${base}...${this.owner}:${head}`,
          diff_url: `${this.web}/compare/${params.basehead}.diff`,
          patch_url: `${this.web}/compare/${params.basehead}.patch`,
          status,
          ahead_by: headOnly.length,
          behind_by: baseOnly.length,
          total_commits: headOnly.length,
          base_commit: this.commitJson(base),
          merge_base_commit: mergeBase ? this.commitJson(mergeBase) : null,
          commits: chronological.slice((page - 1) * perPage, page * perPage).map((sha) => this.commitJson(sha)),
          files: []
        }
      }
    })

    this.route('POST', this.repoTemplate('/statuses/{sha}'), ({ params, body }) => {
      const sha = params.sha!.toLowerCase()
      if (!this.parents.has(sha)) return this.error(422, `No commit found for SHA: ${params.sha}`)
      const { state, context, description, target_url } = (body ?? {}) as Record<string, unknown>
      if (typeof state !== 'string' || !STATES.has(state)) {
        return this.error(422, 'Validation Failed', {
          errors: [{ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' }],
          documentation_url: `${DOCS}/commits/statuses#create-a-commit-status`
        })
      }
      const stored = this.addStatus(sha, {
        state,
        context: typeof context === 'string' && context ? context : 'default',
        description: typeof description === 'string' ? description : '',
        targetUrl: typeof target_url === 'string' ? target_url : ''
      })
      return { status: 201, body: this.statusJson(sha, stored) }
    })
  }

  private createDeployment(body: unknown): RouteAnswer {
    if (this.denied.has('deployments')) return this.notAccessible('deployments#create-a-deployment')
    const fields = (body ?? {}) as Record<string, unknown>
    const ref = typeof fields.ref === 'string' ? fields.ref : ''
    const sha = ref ? this.resolveRef(ref) : undefined
    if (!sha) return this.error(422, `No ref found for: ${ref}`, { documentation_url: `${DOCS}/deployments/deployments#create-a-deployment` })
    const defaultHead = this.branches.get('main')
    if (fields.auto_merge !== false && defaultHead && !this.reachable(sha).has(defaultHead)) {
      return { status: 202, body: { message: `Auto-merged main into ${ref} on deployment.` } }
    }
    if (!Array.isArray(fields.required_contexts)) {
      const latest = new Map<string, string>()
      for (const status of this.statuses(sha)) latest.set(status.context, status.state)
      const failing = [...latest].filter(([, state]) => state !== 'success').map(([context]) => context)
      if (failing.length)
        return this.error(409, `Conflict: Commit status checks failed for ${ref}.`, {
          errors: failing.map((context) => ({
            contexts: [{ context, state: latest.get(context) }],
            resource: 'Deployment',
            field: 'required_contexts',
            code: 'invalid'
          }))
        })
    }
    const environment = typeof fields.environment === 'string' ? fields.environment : 'production'
    const deployment: FakeDeployment = {
      id: this.deployments.length + 1,
      sha,
      ref,
      environment,
      description: typeof fields.description === 'string' ? fields.description : '',
      transientEnvironment: fields.transient_environment === true,
      productionEnvironment: typeof fields.production_environment === 'boolean' ? fields.production_environment : environment === 'production',
      statuses: []
    }
    this.deployments.push(deployment)
    return { status: 201, body: this.deploymentJson(deployment, fields) }
  }

  private createDeploymentStatus(id: number, body: unknown): RouteAnswer {
    if (this.denied.has('deployments')) return this.notAccessible('statuses#create-a-deployment-status')
    const deployment = this.deployments.find((d) => d.id === id)
    if (!deployment) return this.error(404, 'Not Found', { documentation_url: `${DOCS}/deployments/statuses#create-a-deployment-status` })
    const { state, description, log_url, environment_url, auto_inactive } = (body ?? {}) as Record<string, unknown>
    if (typeof state !== 'string' || !DEPLOYMENT_STATES.has(state)) {
      return this.error(422, 'Validation Failed', {
        errors: [{ resource: 'DeploymentStatus', code: 'custom', field: 'state', message: 'state is not included in the list' }],
        documentation_url: `${DOCS}/deployments/statuses#create-a-deployment-status`
      })
    }
    const status = {
      state,
      description: typeof description === 'string' ? description : '',
      logUrl: typeof log_url === 'string' ? log_url : '',
      environmentUrl: typeof environment_url === 'string' ? environment_url : ''
    }
    deployment.statuses.push(status)
    if (state === 'success' && auto_inactive !== false) {
      for (const earlier of this.deployments) {
        const last = earlier.statuses.at(-1)
        if (
          earlier.id < id &&
          earlier.environment === deployment.environment &&
          !earlier.transientEnvironment &&
          !earlier.productionEnvironment &&
          last?.state === 'success'
        ) {
          earlier.statuses.push({ ...last, state: 'inactive' })
        }
      }
    }
    const api = `${this.url}/repos/${this.owner}/${this.repo}`
    return {
      status: 201,
      body: {
        url: `${api}/deployments/${id}/statuses/${deployment.statuses.length}`,
        id: deployment.statuses.length,
        node_id: `DES_${id}_${deployment.statuses.length}`,
        state,
        creator: this.userJson(),
        description: status.description,
        environment: deployment.environment,
        target_url: status.logUrl,
        created_at: new Date(this.now()).toISOString(),
        updated_at: new Date(this.now()).toISOString(),
        deployment_url: `${api}/deployments/${id}`,
        repository_url: api,
        // Optional and `format: uri` in deployment-status: absent rather than "" when the request gave none.
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {})
      }
    }
  }

  /** A token without the permission (GitHub Actions' GITHUB_TOKEN with `permissions:` not granting it). */
  private notAccessible(doc: string): RouteAnswer {
    return this.error(403, 'Resource not accessible by integration', { documentation_url: `${DOCS}/deployments/${doc}` })
  }

  private deploymentJson(deployment: FakeDeployment, fields: Record<string, unknown>): unknown {
    const api = `${this.url}/repos/${this.owner}/${this.repo}`
    const at = new Date(this.now()).toISOString()
    return {
      url: `${api}/deployments/${deployment.id}`,
      id: deployment.id,
      node_id: `DE_${deployment.id}`,
      sha: deployment.sha,
      ref: deployment.ref,
      task: typeof fields.task === 'string' ? fields.task : 'deploy',
      payload: fields.payload ?? {},
      original_environment: deployment.environment,
      environment: deployment.environment,
      description: deployment.description,
      creator: this.userJson(),
      created_at: at,
      updated_at: at,
      statuses_url: `${api}/deployments/${deployment.id}/statuses`,
      repository_url: api,
      transient_environment: deployment.transientEnvironment,
      production_environment: deployment.productionEnvironment
    }
  }

  /** The fake's tree of a commit (as commitJson reports it). */
  private treeOf(sha: string): string {
    return this.createdCommits.get(sha)?.tree ?? sha.split('').reverse().join('')
  }

  private graphql(body: unknown): RouteAnswer {
    const { query, variables } = (body ?? {}) as { query?: unknown; variables?: { input?: Record<string, unknown> } }
    if (typeof query !== 'string' || !/\bupdateRefs\b/.test(query)) {
      return { status: 200, body: { errors: [{ message: 'The fake serves only the updateRefs mutation' }] } }
    }
    const input = variables?.input ?? {}
    const zero = '0'.repeat(40)
    if (input.repositoryId !== this.nodeId) {
      return {
        status: 200,
        body: {
          data: { updateRefs: null },
          errors: [{ type: 'NOT_FOUND', path: ['updateRefs'], message: `Could not resolve to a node with the global id of '${String(input.repositoryId)}'` }]
        }
      }
    }
    const updates = (Array.isArray(input.refUpdates) ? input.refUpdates : []) as { name?: string; beforeOid?: string; afterOid?: string; force?: boolean }[]
    const refs = this.refs()
    for (const update of updates) {
      const current = refs.get(String(update.name)) ?? zero
      if (update.beforeOid !== undefined && update.beforeOid !== null && update.beforeOid.toLowerCase() !== current) {
        return {
          status: 200,
          body: {
            data: { updateRefs: null },
            errors: [
              { type: 'UNPROCESSABLE', path: ['updateRefs'], message: `A ref update failed: ${update.name} expected ${update.beforeOid} but is at ${current}` }
            ]
          }
        }
      }
      const after = String(update.afterOid ?? '').toLowerCase()
      if (after !== zero && !this.parents.has(after)) {
        return {
          status: 200,
          body: { data: { updateRefs: null }, errors: [{ type: 'UNPROCESSABLE', path: ['updateRefs'], message: `Object ${after} does not exist` }] }
        }
      }
      if (update.force !== true && current !== zero && after !== zero && !this.reachable(after).has(current)) {
        return {
          status: 200,
          body: {
            data: { updateRefs: null },
            errors: [{ type: 'UNPROCESSABLE', path: ['updateRefs'], message: `A ref update failed: ${update.name} is not a fast forward` }]
          }
        }
      }
    }
    for (const update of updates) {
      const after = String(update.afterOid).toLowerCase()
      this.writeRef(String(update.name), after === zero ? null : after)
    }
    return { status: 200, body: { data: { updateRefs: { clientMutationId: null } } } }
  }

  private writeRef(name: string, sha: string | null): void {
    const heads = /^refs\/heads\/(.+)$/.exec(name)
    const tags = /^refs\/tags\/(.+)$/.exec(name)
    const map = heads ? this.branches : tags ? this.tags : this.otherRefs
    const key = heads ? heads[1]! : tags ? tags[1]! : name
    if (sha === null) map.delete(key)
    else map.set(key, sha)
  }

  private refJson(ref: string, sha: string): unknown {
    const api = `${this.url}/repos/${this.owner}/${this.repo}`
    return { ref, node_id: `REF_${ref}`, url: `${api}/git/${ref}`, object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` } }
  }

  private get api(): string {
    return `${this.url}/repos/${this.owner}/${this.repo}`
  }

  private get web(): string {
    return `${this.url}/${this.owner}/${this.repo}`
  }

  /** The fake's date of a commit (its insertion order, a minute apart). */
  private dateOf(sha: string): string {
    return new Date(Date.UTC(2024, 0, 1) + (this.order.get(sha) ?? 0) * 60_000).toISOString()
  }

  /** `full-repository` (repos/repos#get-a-repository). */
  private repositoryJson(): unknown {
    const api = this.api
    const created = new Date(Date.UTC(2024, 0, 1)).toISOString()
    return {
      id: 1,
      node_id: this.nodeId,
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      owner: this.userJson(this.owner),
      private: true,
      html_url: this.web,
      description: null,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      statuses_url: `${api}/statuses/{sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      ...Object.fromEntries(
        [
          'contributors',
          'deployments',
          'downloads',
          'events',
          'forks',
          'hooks',
          'languages',
          'merges',
          'stargazers',
          'subscribers',
          'subscription',
          'tags',
          'teams'
        ].map((name) => [`${name}_url`, `${api}/${name}`])
      ),
      clone_url: `${this.web}.git`,
      git_url: `git://127.0.0.1/${this.owner}/${this.repo}.git`,
      ssh_url: `git@127.0.0.1:${this.owner}/${this.repo}.git`,
      svn_url: this.web,
      mirror_url: null,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 0,
      default_branch: this.branches.has('main') ? 'main' : ([...this.branches.keys()][0] ?? 'main'),
      open_issues: 0,
      open_issues_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_discussions: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: created,
      created_at: created,
      updated_at: created,
      network_count: 0,
      subscribers_count: 0
    }
  }

  /** `simple-user`: the token's user (a GitHub App's bot for a GITHUB_TOKEN) or the repository's owner. */
  private userJson(login = 'github-actions[bot]'): unknown {
    const url = `${this.url}/users/${encodeURIComponent(login)}`
    return {
      login,
      id: 41898282,
      node_id: `U_${login}`,
      avatar_url: `${this.url}/avatars/${encodeURIComponent(login)}`,
      gravatar_id: '',
      url,
      html_url: `${this.url}/${encodeURIComponent(login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false
    }
  }

  /** `status` (commits/statuses#create-a-commit-status and #list-commit-statuses-for-a-reference). */
  private statusJson(sha: string, status: StoredStatus): unknown {
    const creator = this.userJson() as { avatar_url: string }
    const at = new Date(status.createdAt).toISOString()
    return {
      url: `${this.api}/statuses/${sha}`,
      avatar_url: creator.avatar_url,
      id: status.id,
      node_id: `SC_${status.id}`,
      state: status.state,
      description: status.description || null,
      target_url: status.targetUrl || null,
      context: status.context,
      created_at: at,
      updated_at: at,
      creator
    }
  }

  /** `git-commit` (git/commits#get-a-commit-object and #create-a-commit); the fake signs nothing. */
  private gitCommitJson(sha: string): unknown {
    const created = this.createdCommits.get(sha)
    const person = { name: 'Fleet Dev', email: 'dev@example.com', date: this.dateOf(sha) }
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${this.api}/git/commits/${sha}`,
      html_url: `${this.web}/commit/${sha}`,
      author: person,
      committer: person,
      message: created?.message ?? `commit ${sha.slice(0, 7)}`,
      tree: { sha: this.treeOf(sha), url: `${this.api}/git/trees/${this.treeOf(sha)}` },
      parents: (this.parents.get(sha) ?? []).map((p) => ({ sha: p, url: `${this.api}/git/commits/${p}`, html_url: `${this.web}/commit/${p}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
    }
  }

  /** `commit` (commits/commits#get-a-commit, and each commit of a comparison). */
  private commitJson(sha: string): unknown {
    const person = { name: 'Fleet Dev', email: 'dev@example.com', date: this.dateOf(sha) }
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${this.api}/commits/${sha}`,
      html_url: `${this.web}/commit/${sha}`,
      comments_url: `${this.api}/commits/${sha}/comments`,
      commit: {
        url: `${this.api}/git/commits/${sha}`,
        message: `commit ${sha.slice(0, 7)}`,
        author: person,
        committer: person,
        tree: { sha: this.treeOf(sha), url: `${this.api}/git/trees/${this.treeOf(sha)}` },
        comment_count: 0
      },
      author: null,
      committer: null,
      parents: (this.parents.get(sha) ?? []).map((p) => ({ sha: p, url: `${this.api}/commits/${p}`, html_url: `${this.web}/commit/${p}` }))
    }
  }
}
