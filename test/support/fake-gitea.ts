/**
 * Fake Gitea REST API /api/v1, following Gitea 1.22 (the incident ran 1.22.6): the swagger operations of
 * templates/swagger/v1_json.tmpl and their handlers in routers/api/v1/repo/*.go:
 *   GET    /repos/{o}/{r}                          repoGet → Repository (default_branch)
 *   GET    /repos/{o}/{r}/branches/{branch}        repoGetBranch → Branch (commit.id); 404
 *   POST   /repos/{o}/{r}/branches                 repoCreateBranch (CreateBranchRepoOption) → 201 Branch; 409 when it exists; 404 unknown old ref
 *   DELETE /repos/{o}/{r}/branches/{branch}        repoDeleteBranch → 204; 404
 *   GET    /repos/{o}/{r}/tags/{tag}               repoGetTag → Tag; 404
 *   POST   /repos/{o}/{r}/tags                     repoCreateTag (CreateTagOption) → 201 Tag; 409 when it exists; 404 unknown target
 *   DELETE /repos/{o}/{r}/tags/{tag}               repoDeleteTag → 204; 404
 *   GET    /repos/{o}/{r}/git/commits/{sha}        repoGetSingleCommit ("a git ref or commit sha", short SHAs resolve) → Commit;
 *                                                  422 "no valid ref or sha"; 404
 *   GET    /repos/{o}/{r}/commits                  repoGetAllCommits: sha, not, page, limit (≤ 50, MAX_RESPONSE_ITEMS), stat,
 *                                                  verification, files; X-Total-Count = `git rev-list --count <sha> --not <not>`,
 *                                                  X-HasMore, X-Page, X-PerPage, X-PageCount, Link
 *   GET    /repos/{o}/{r}/commits/{ref}/statuses   repoListStatusesByRef: sort (default created_unix DESC, which ties
 *                                                  within a second; leastindex = index DESC; highestindex = index ASC;
 *                                                  oldest = created_unix ASC), page, limit; X-Total-Count; field `status`
 *   POST   /repos/{o}/{r}/statuses/{sha}           repoCreateStatus (CreateStatusOption, field `state`) → 201 CommitStatus
 *   GET    /repos/{o}/{r}/git/refs/{ref}           repoListGitRefs: every ref whose name starts with `refs/<ref>` (a string
 *                                                  prefix, as Gitea's GetRefsFiltered); one exact match → an object, else a
 *                                                  list; none → 404. Annotated tags are `type: tag` with the tag object's SHA
 *   GET    /repos/{o}/{r}/git/tags/{sha}           GetAnnotatedTag → AnnotatedTag (tag, sha, message, object); 404
 * A tag created with a `message` is annotated (its message is kept and returned by the tag endpoints).
 * Every exchange is checked against that swagger (test/support/specs/gitea-1.22.6-swagger.json), and a test fails on
 * one it does not allow. Where the 1.22.6 handler answers otherwise than its swagger, the fake answers as the handler
 * (POST /tags 201, not 200; git/refs one object for an exact match; see test/support/specs/gitea-spec.ts).
 * `{ref}` of the status list is one path segment, as Gitea routes it (`/commits/{ref}/statuses`).
 * Not served, as on 1.22 for commit SHAs: compare (repoCompareDiff) answers 404 here.
 * Errors: APIError `{message, url}` (404s add `errors`); 401 without `Authorization: token|Bearer <token>`.
 * Gitea sends no ETag on these API answers and has no API rate-limit headers.
 *
 * Test API: that of FakeForgeServer (test/support/fake-forge.ts).
 */
import { createHash } from 'node:crypto'
import { FakeForgeServer, type RouteAnswer, type RouteRequest, type StoredStatus } from './fake-forge.js'
import { Conformance } from './specs/conformance.js'
import { giteaSpec } from './specs/gitea-spec.js'

const SWAGGER = 'https://gitea.example/api/swagger'
const STATES = new Set(['pending', 'success', 'error', 'failure', 'warning'])
const MAX_RESPONSE_ITEMS = 50
const DEFAULT_PAGING_NUM = 30
const NOT_FOUND = "The target couldn't be found."

export class FakeGitea extends FakeForgeServer {
  /** Every exchange is checked against Gitea 1.22.6's swagger description (test/support/specs/gitea-spec.ts). */
  readonly conformance = new Conformance('fake Gitea', '/api/v1', (exchange) => giteaSpec().check(exchange))
  /** Annotated tags by name: their tag object SHA and message. */
  private readonly annotated = new Map<string, { objectSha: string; message: string }>()

  /** Tag names, for assertions. */
  tagNames(): string[] {
    return [...this.tags.keys()]
  }

  /** Gitea before 1.20 (go-gitea/gitea#24409) has no `not` on the commit list and ignores it. */
  private readonly honoursNot: boolean

  constructor(options: { owner?: string; repo?: string; token?: string; now?: () => number; before120?: boolean } = {}) {
    super(options.owner ?? 'acme', options.repo ?? 'fleet', options.token ?? 'gitea_fake_token', options.now ?? Date.now, '/api/v1')
    this.honoursNot = !options.before120
    this.defineRoutes()
  }

  protected admit(req: RouteRequest): RouteAnswer | null {
    const match = /^(?:token|Bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!match) return this.error(401, 'token is required')
    if (match[1] !== this.token) return this.error(401, 'user does not exist')
    return null
  }

  protected errorBody(status: number, message: string): unknown {
    return status === 404 ? { errors: [], message: NOT_FOUND, url: SWAGGER } : { message, url: SWAGGER }
  }

  protected finish(req: RouteRequest, answer: RouteAnswer): RouteAnswer {
    this.conformance.observe(req, answer)
    return answer
  }

  protected closed(): void {
    this.conformance.retire()
  }

  private defineRoutes(): void {
    const api = (): string => `${this.apiUrl}/repos/${this.owner}/${this.repo}`

    this.route('GET', this.repoTemplate(''), () => ({
      status: 200,
      body: {
        id: 1,
        owner: { id: 1, login: this.owner },
        name: this.repo,
        full_name: `${this.owner}/${this.repo}`,
        private: true,
        empty: this.parents.size === 0,
        default_branch: this.branches.has('main') ? 'main' : ([...this.branches.keys()][0] ?? 'main'),
        html_url: `${this.url}/${this.owner}/${this.repo}`
      }
    }))

    this.route('GET', this.repoTemplate('/branches/{branch+}'), ({ params }) => {
      const sha = this.branches.get(params.branch!)
      return sha ? { status: 200, body: this.branchJson(params.branch!, sha) } : this.error(404, NOT_FOUND)
    })

    this.route('POST', this.repoTemplate('/branches'), ({ body }) => {
      const { new_branch_name: name, old_ref_name: oldRef, old_branch_name: oldBranch } = (body ?? {}) as Record<string, unknown>
      if (typeof name !== 'string' || !name) return this.error(422, 'new_branch_name is required')
      const from = typeof oldRef === 'string' && oldRef ? oldRef.replace(/^refs\/(heads|tags)\//, '') : typeof oldBranch === 'string' ? oldBranch : ''
      const sha = from ? this.resolveRef(from) : this.branches.get('main')
      if (!sha) return this.error(404, NOT_FOUND)
      if (this.branches.has(name)) return this.error(409, 'The branch already exists.')
      this.branches.set(name, sha)
      return { status: 201, body: this.branchJson(name, sha) }
    })

    this.route('DELETE', this.repoTemplate('/branches/{branch+}'), ({ params }) => {
      if (!this.branches.delete(params.branch!)) return this.error(404, NOT_FOUND)
      return { status: 204 }
    })

    this.route('GET', this.repoTemplate('/tags/{tag+}'), ({ params }) => {
      const sha = this.tags.get(params.tag!)
      return sha ? { status: 200, body: this.tagJson(params.tag!, sha) } : this.error(404, NOT_FOUND)
    })

    this.route('POST', this.repoTemplate('/tags'), ({ body }) => {
      const { tag_name: name, target, message } = (body ?? {}) as Record<string, unknown>
      if (typeof name !== 'string' || !name) return this.error(422, 'tag_name is required')
      const sha = typeof target === 'string' && target ? this.resolveRef(target) : this.branches.get('main')
      if (!sha) return this.error(404, 'target not found')
      if (this.tags.has(name)) return this.error(409, `tag ${name} already exists`)
      this.tags.set(name, sha)
      if (typeof message === 'string' && message) {
        this.annotated.set(name, { objectSha: createHash('sha1').update(`tag ${name}\0${sha}\0${message}\0${this.now()}`).digest('hex'), message })
      }
      return { status: 201, body: this.tagJson(name, sha) }
    })

    this.route('DELETE', this.repoTemplate('/tags/{tag+}'), ({ params }) => {
      if (!this.tags.delete(params.tag!)) return this.error(404, NOT_FOUND)
      this.annotated.delete(params.tag!)
      return { status: 204 }
    })

    this.route('GET', this.repoTemplate('/git/refs/{ref+}'), ({ params }) => {
      const filter = `refs/${params.ref}`
      const all: [string, { type: string; sha: string }][] = [
        ...[...this.branches].map(([name, sha]): [string, { type: string; sha: string }] => [`refs/heads/${name}`, { type: 'commit', sha }]),
        ...[...this.tags].map(([name, sha]): [string, { type: string; sha: string }] => {
          const tag = this.annotated.get(name)
          return [`refs/tags/${name}`, tag ? { type: 'tag', sha: tag.objectSha } : { type: 'commit', sha }]
        })
      ]
      const refs = all
        .filter(([name]) => name.startsWith(filter))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ref, object]) => ({ ref, url: `${api()}/git/${ref}`, object: { ...object, url: `${api()}/git/${object.type}s/${object.sha}` } }))
      if (refs.length === 0) return this.error(404, NOT_FOUND)
      return { status: 200, body: refs.length === 1 && refs[0]!.ref === filter ? refs[0] : refs }
    })

    this.route('GET', this.repoTemplate('/git/tags/{sha}'), ({ params }) => {
      const entry = [...this.annotated].find(([, tag]) => tag.objectSha === params.sha)
      if (!entry) return this.error(404, NOT_FOUND)
      const [name, tag] = entry
      return {
        status: 200,
        body: {
          tag: name,
          sha: tag.objectSha,
          url: `${api()}/git/tags/${tag.objectSha}`,
          message: tag.message,
          tagger: { name: 'deployer', email: 'deployer@example.com', date: new Date(this.now()).toISOString() },
          object: { type: 'commit', sha: this.tags.get(name), url: `${api()}/git/commits/${this.tags.get(name)}` },
          verification: null
        }
      }
    })

    this.route('GET', this.repoTemplate('/git/commits/{sha}'), ({ params }) => {
      const ref = params.sha!
      if (!/^[\w./-]+$/.test(ref) || ref.includes('..')) return this.error(422, `no valid ref or sha: ${ref}`)
      const sha = this.resolveRef(ref)
      return sha ? { status: 200, body: this.commitJson(sha) } : this.error(404, NOT_FOUND)
    })

    this.route('GET', this.repoTemplate('/commits'), ({ query }) => {
      if (this.parents.size === 0) return this.error(409, 'Git Repository is empty.')
      const from = this.resolveRef(query.get('sha') || (this.branches.get('main') ?? ''))
      if (!from) return this.error(404, NOT_FOUND)
      const notRef = this.honoursNot ? query.get('not') : null
      const not = notRef ? this.resolveRef(notRef) : undefined
      if (notRef && !not) return this.error(500, 'CommitsCount')
      const page = Math.max(Number(query.get('page') ?? 1) || 1, 1)
      const limit = Math.min(Number(query.get('limit') ?? DEFAULT_PAGING_NUM) || DEFAULT_PAGING_NUM, MAX_RESPONSE_ITEMS)
      const all = this.log(from, not)
      const pageCount = Math.ceil(all.length / limit)
      return {
        status: 200,
        body: all.slice((page - 1) * limit, page * limit).map((sha) => this.commitJson(sha)),
        headers: {
          'x-total-count': String(all.length),
          'x-total': String(all.length),
          'x-page': String(page),
          'x-perpage': String(limit),
          'x-pagecount': String(pageCount),
          'x-hasmore': String(page < pageCount),
          ...(page < pageCount ? { link: `<${api()}/commits?page=${page + 1}&limit=${limit}>; rel="next"` } : {})
        }
      }
    })

    this.route('GET', this.repoTemplate('/commits/{ref}/statuses'), ({ params, query }) => {
      const sha = this.resolveRef(params.ref!)
      const list = sha ? this.sorted(this.statuses(sha), query.get('sort')) : []
      const page = Math.max(Number(query.get('page') ?? 1) || 1, 1)
      const limit = Math.min(Number(query.get('limit') ?? DEFAULT_PAGING_NUM) || DEFAULT_PAGING_NUM, MAX_RESPONSE_ITEMS)
      return {
        status: 200,
        body: list.slice((page - 1) * limit, page * limit).map((s) => ({
          id: s.id,
          status: s.state,
          target_url: s.targetUrl,
          description: s.description,
          url: `${api()}/statuses/${sha}`,
          context: s.context,
          creator: { id: 1, login: 'deployer' },
          created_at: new Date(s.createdAt).toISOString(),
          updated_at: new Date(s.createdAt).toISOString()
        })),
        headers: { 'x-total-count': String(list.length) }
      }
    })

    this.route('POST', this.repoTemplate('/statuses/{sha}'), ({ params, body }) => {
      const sha = this.resolveSha(params.sha!)
      if (!sha) return this.error(500, 'CreateCommitStatus')
      const { state, context, description, target_url } = (body ?? {}) as Record<string, unknown>
      if (typeof state !== 'string' || !STATES.has(state)) return this.error(422, `invalid state: ${String(state)}`)
      const stored = this.addStatus(sha, {
        state,
        context: typeof context === 'string' ? context : '',
        description: typeof description === 'string' ? description : '',
        targetUrl: typeof target_url === 'string' ? target_url : ''
      })
      return {
        status: 201,
        body: {
          id: stored.id,
          status: stored.state,
          target_url: stored.targetUrl,
          description: stored.description,
          url: `${api()}/statuses/${sha}`,
          context: stored.context,
          creator: { id: 1, login: 'deployer' },
          created_at: new Date(stored.createdAt).toISOString(),
          updated_at: new Date(stored.createdAt).toISOString()
        }
      }
    })
  }

  /** Gitea stores created_unix in whole seconds; its default order leaves same-second statuses in insertion order. */
  private sorted(list: readonly StoredStatus[], sort: string | null): StoredStatus[] {
    const seconds = (ms: number): number => Math.floor(ms / 1000)
    const copy = [...list]
    switch (sort) {
      case 'oldest':
        return copy.sort((a, b) => seconds(a.createdAt) - seconds(b.createdAt) || a.index - b.index)
      case 'leastindex':
        return copy.sort((a, b) => b.index - a.index)
      case 'highestindex':
        return copy.sort((a, b) => a.index - b.index)
      default:
        return copy.sort((a, b) => seconds(b.createdAt) - seconds(a.createdAt) || a.index - b.index)
    }
  }

  private branchJson(name: string, sha: string): unknown {
    return {
      name,
      commit: {
        id: sha,
        message: `commit ${sha.slice(0, 7)}\n`,
        url: `${this.url}/${this.owner}/${this.repo}/commit/${sha}`,
        author: { name: 'Fleet Dev', email: 'dev@example.com', username: 'dev' },
        committer: { name: 'Fleet Dev', email: 'dev@example.com', username: 'dev' },
        verification: null,
        timestamp: this.dateOf(sha),
        added: null,
        removed: null,
        modified: null
      },
      protected: false,
      required_approvals: 0,
      enable_status_check: false,
      status_check_contexts: [],
      user_can_push: true,
      user_can_merge: true,
      effective_branch_protection_name: ''
    }
  }

  private tagJson(name: string, sha: string): unknown {
    return {
      name,
      message: this.annotated.get(name)?.message ?? '',
      id: this.annotated.get(name)?.objectSha ?? sha,
      commit: { url: `${this.apiUrl}/repos/${this.owner}/${this.repo}/git/commits/${sha}`, sha, created: this.dateOf(sha) },
      zipball_url: `${this.url}/${this.owner}/${this.repo}/archive/${name}.zip`,
      tarball_url: `${this.url}/${this.owner}/${this.repo}/archive/${name}.tar.gz`
    }
  }

  private commitJson(sha: string): unknown {
    const api = `${this.apiUrl}/repos/${this.owner}/${this.repo}`
    const date = this.dateOf(sha)
    const person = { name: 'Fleet Dev', email: 'dev@example.com', date }
    return {
      url: `${api}/git/commits/${sha}`,
      sha,
      created: date,
      html_url: `${this.url}/${this.owner}/${this.repo}/commit/${sha}`,
      commit: {
        url: `${api}/git/commits/${sha}`,
        author: person,
        committer: person,
        message: `commit ${sha.slice(0, 7)}\n`,
        tree: { url: `${api}/git/trees/${sha}`, sha, created: date },
        verification: null
      },
      author: null,
      committer: null,
      parents: (this.parents.get(sha) ?? []).map((p) => ({ url: `${api}/git/commits/${p}`, sha: p, created: this.dateOf(p) })),
      files: null,
      stats: null
    }
  }

  private dateOf(sha: string): string {
    return new Date(Date.UTC(2024, 0, 1) + (this.order.get(sha) ?? 0) * 60_000).toISOString()
  }
}
