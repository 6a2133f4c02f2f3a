import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseJson, sendJson, startLocalServer, type LocalServer } from './http.js'

/**
 * A simulated GitHub for the demo: the endpoints the GitHub adapter (src/forge/github.ts and its deploy
 * lock, src/forge/lock-github.ts) uses, over one commit graph. The real adapter talks to it over HTTP,
 * so the demo exercises the same client a run on GitHub does.
 *
 *   GET    /repos/{o}/{r}                         default_branch, node_id
 *   GET    /repos/{o}/{r}/git/ref/{ref}           404 when absent
 *   POST   /repos/{o}/{r}/git/refs                422 when it exists
 *   GET    /repos/{o}/{r}/git/commits/{sha}       tree, message, parents
 *   POST   /repos/{o}/{r}/git/commits             a new commit object (the lock's holder record)
 *   GET    /repos/{o}/{r}/commits/{ref}           Accept: application/vnd.github.sha → the bare SHA
 *   GET    /repos/{o}/{r}/compare/{base}...{head} status: identical | ahead | behind | diverged
 *   GET    /repos/{o}/{r}/commits/{ref}/statuses  newest first, per_page/page
 *   POST   /repos/{o}/{r}/statuses/{sha}
 *   POST   /repos/{o}/{r}/deployments             201 with the new deployment's id
 *   POST   /repos/{o}/{r}/deployments/{id}/statuses
 *   POST   /graphql                               updateRefs: compare-and-swap of refs (beforeOid → afterOid)
 * GitHub takes the token as `Authorization: token …` or `Bearer …`.
 */
export interface StoredStatus {
  readonly state: string
  readonly context: string
  readonly description: string
  readonly target_url: string | null
}

export class SimulatedGitHub {
  /** Commit statuses written (the durable record of a deploy): a run that must touch nothing adds none. */
  statusWrites = 0
  /** Deployments created. */
  deployments = 0
  private readonly commits = new Map<string, GitCommit>()
  private readonly refs = new Map<string, string>()
  private readonly statusesBySha = new Map<string, StoredStatus[]>()
  private server: LocalServer | null = null

  constructor(
    readonly repository: string,
    private readonly token: string
  ) {}

  /** A commit on top of `parent` (a root commit without one). */
  commit(sha: string, parent?: string): this {
    this.commits.set(sha, { parents: parent ? [parent] : [], tree: treeOf(sha), message: `commit ${sha.slice(0, 7)}` })
    return this
  }

  /** Moves a branch, as a push does. */
  setBranch(name: string, sha: string): this {
    this.refs.set(`refs/heads/${name}`, sha)
    return this
  }

  statuses(sha: string): readonly StoredStatus[] {
    return this.statusesBySha.get(sha) ?? []
  }

  async start(): Promise<string> {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res))
    return this.server.origin
  }

  async close(): Promise<void> {
    await this.server?.close()
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const [scheme, credential] = (req.headers.authorization ?? '').split(' ')
    if ((scheme !== 'Bearer' && scheme !== 'token') || credential !== this.token) return sendJson(res, 401, { message: 'Bad credentials' })
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method === 'POST' && url.pathname === '/graphql') return sendJson(res, 200, this.updateRefs(parseJson(body)))
    const prefix = `/repos/${this.repository}`
    if (!url.pathname.startsWith(prefix)) return sendJson(res, 404, { message: 'Not Found' })
    const path = decodeURIComponent(url.pathname.slice(prefix.length))
    const method = req.method ?? 'GET'
    const json = parseJson(body)
    let m: RegExpExecArray | null

    if (method === 'GET' && path === '') return sendJson(res, 200, { full_name: this.repository, node_id: REPOSITORY_NODE_ID, default_branch: 'main' })
    if (method === 'GET' && (m = /^\/git\/ref\/(.+)$/.exec(path))) {
      const sha = this.refs.get(`refs/${m[1]}`)
      return sha ? sendJson(res, 200, refJson(`refs/${m[1]}`, sha)) : sendJson(res, 404, { message: 'Not Found' })
    }
    if (method === 'POST' && path === '/git/refs') {
      const ref = String(json.ref ?? '')
      const sha = String(json.sha ?? '')
      if (!this.commits.has(sha)) return sendJson(res, 422, { message: 'Object does not exist' })
      if (this.refs.has(ref)) return sendJson(res, 422, { message: 'Reference already exists' })
      this.refs.set(ref, sha)
      return sendJson(res, 201, refJson(ref, sha))
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(path))) {
      const commit = this.commits.get(m[1])
      if (!commit) return sendJson(res, 404, { message: 'Not Found' })
      return sendJson(res, 200, { sha: m[1], tree: { sha: commit.tree }, message: commit.message, parents: commit.parents.map((p) => ({ sha: p })) })
    }
    if (method === 'POST' && path === '/git/commits') {
      const commit: GitCommit = { tree: String(json.tree ?? ''), message: String(json.message ?? ''), parents: (json.parents as string[] | undefined) ?? [] }
      // Unique per write, as a real commit is through its committer date.
      const sha = createHash('sha1')
        .update(`${JSON.stringify(commit)}\0${this.commits.size}`)
        .digest('hex')
      this.commits.set(sha, commit)
      return sendJson(res, 201, { sha, tree: { sha: commit.tree }, message: commit.message })
    }
    if (method === 'GET' && (m = /^\/commits\/(.+)\/statuses$/.exec(path))) {
      const sha = this.resolve(m[1])
      const perPage = Math.min(Number(url.searchParams.get('per_page')) || 30, 100)
      const page = Math.max(Number(url.searchParams.get('page')) || 1, 1)
      const newestFirst = sha ? [...this.statuses(sha)].reverse() : []
      return sendJson(res, 200, newestFirst.slice((page - 1) * perPage, page * perPage))
    }
    if (method === 'GET' && (m = /^\/commits\/(.+)$/.exec(path))) {
      const sha = this.resolve(m[1])
      if (!sha) return sendJson(res, 422, { message: `No commit found for SHA: ${m[1]}` })
      if ((req.headers.accept ?? '').includes('application/vnd.github.sha')) {
        return void res.writeHead(200, { 'content-type': 'application/vnd.github.sha' }).end(sha)
      }
      return sendJson(res, 200, { sha, parents: this.commits.get(sha)!.parents.map((p) => ({ sha: p })) })
    }
    if (method === 'GET' && (m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(path))) {
      const base = this.resolve(m[1])
      const head = this.resolve(m[2])
      if (!base || !head) return sendJson(res, 404, { message: 'Not Found' })
      return sendJson(res, 200, { status: this.relation(base, head) })
    }
    if (method === 'POST' && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(path))) {
      if (!this.commits.has(m[1])) return sendJson(res, 422, { message: `No commit found for SHA: ${m[1]}` })
      const status: StoredStatus = {
        state: String(json.state),
        context: String(json.context ?? 'default'),
        description: String(json.description ?? ''),
        target_url: typeof json.target_url === 'string' ? json.target_url : null
      }
      this.statusesBySha.set(m[1], [...this.statuses(m[1]), status])
      this.statusWrites++
      return sendJson(res, 201, status)
    }
    if (method === 'POST' && path === '/deployments') return sendJson(res, 201, { id: ++this.deployments, ref: json.ref, environment: json.environment })
    if (method === 'POST' && /^\/deployments\/\d+\/statuses$/.test(path)) return sendJson(res, 201, { state: json.state })
    sendJson(res, 404, { message: 'Not Found' })
  }

  /** A branch, a tag or an unambiguous SHA prefix. */
  private resolve(ref: string): string | undefined {
    const named = this.refs.get(`refs/heads/${ref}`) ?? this.refs.get(`refs/tags/${ref}`)
    if (named) return named
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(ref.toLowerCase()))
    return matches.length === 1 ? matches[0] : undefined
  }

  /** Every commit reachable from `sha`, itself included. */
  private ancestry(sha: string): Set<string> {
    const seen = new Set<string>()
    const stack = [sha]
    while (stack.length) {
      const next = stack.pop()!
      if (!seen.has(next)) {
        seen.add(next)
        stack.push(...(this.commits.get(next)?.parents ?? []))
      }
    }
    return seen
  }

  /**
   * GraphQL `updateRefs`: every update applies only when the ref is at `beforeOid` (all zeros: absent),
   * and `afterOid` all zeros deletes it. Nothing applies when one does not match, as on GitHub.
   */
  private updateRefs(request: Record<string, unknown>): unknown {
    const input = (request.variables as { input?: { refUpdates?: { name?: string; beforeOid?: string; afterOid?: string }[] } } | undefined)?.input
    const updates = input?.refUpdates ?? []
    for (const update of updates) {
      const current = this.refs.get(String(update.name)) ?? ZERO_OID
      if (current !== update.beforeOid) return { data: null, errors: [{ message: `ref ${update.name} is at ${current}, not at beforeOid` }] }
      if (update.afterOid !== ZERO_OID && !this.commits.has(String(update.afterOid))) return { data: null, errors: [{ message: 'afterOid does not exist' }] }
    }
    for (const update of updates) {
      if (update.afterOid === ZERO_OID) this.refs.delete(String(update.name))
      else this.refs.set(String(update.name), String(update.afterOid))
    }
    return { data: { updateRefs: { clientMutationId: null } } }
  }

  /** GitHub's compare status of `head` relative to `base`. */
  private relation(base: string, head: string): string {
    if (base === head) return 'identical'
    if (this.ancestry(head).has(base)) return 'ahead'
    if (this.ancestry(base).has(head)) return 'behind'
    return 'diverged'
  }
}

interface GitCommit {
  readonly parents: readonly string[]
  readonly tree: string
  readonly message: string
}

const ZERO_OID = '0'.repeat(40)
const REPOSITORY_NODE_ID = 'R_demo'

function treeOf(sha: string): string {
  return createHash('sha1').update(`tree of ${sha}`).digest('hex')
}

function refJson(ref: string, sha: string): unknown {
  return { ref, object: { type: 'commit', sha } }
}
