import { GiteaForge } from '../../src/forge/gitea.js'
import { GitHubForge } from '../../src/forge/github.js'
import type { LockHolder } from '../../src/forge/types.js'
import type { FakeForgeServer } from '../../test/support/fake-forge.js'
import { assertFakesConform } from '../../test/support/specs/conformance.js'
import { FakeGitea } from '../../test/support/fake-gitea.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { checkGraphql, githubSpec, githubSpecVersion } from '../../test/support/specs/github-spec.js'
import { giteaSpec } from '../../test/support/specs/gitea-spec.js'
import type { Exchange, SpecValidator } from '../../test/support/specs/spec-validator.js'
import { OLDER, NEWER } from '../../test/support/memory-forge.js'
import { startIncidentForge } from '../../test/support/runner-forges.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const A = 'a'.repeat(40)
const ZERO = '0'.repeat(40)

function exchange(fields: Partial<Exchange> & Pick<Exchange, 'method' | 'path' | 'answer'>): Exchange {
  return { query: new URLSearchParams(), headers: {}, body: undefined, ...fields }
}

/** A lock holder for `sha`, leased for a minute. */
function holder(sha: string, nonce: string, clock: VirtualClock): LockHolder {
  return { runUrl: 'https://ci.example/run/1', sha, expiresAt: clock.now() + 60_000, nonce }
}

/** Runs `flow` against the fake on the incident's history (BASE ← OLDER ← NEWER = main), then closes it. */
async function exercise<F extends FakeForgeServer>(fake: F, flow: (fake: F) => Promise<void>): Promise<F> {
  await startIncidentForge(fake)
  try {
    await flow(fake)
  } finally {
    await fake.close()
  }
  return fake
}

/** The served routes no operation of the description matches (a concrete path for each template). */
function undescribed(served: readonly string[], spec: SpecValidator): string[] {
  return served.filter((route) => {
    const [method, template] = route.split(' ') as [string, string]
    const path = template
      .replace('{owner}', 'acme')
      .replace('{repo}', 'fleet')
      .replace(/\{\w+\+\}/g, 'x/y')
      .replace(/\{\w+\}/g, ZERO)
    return !spec.operationFor(method, path)
  })
}

const JSON_HEADERS = { authorization: 'token t', 'content-type': 'application/json' }

// First in the file, so the counts are those of these flows, not of the checks below.
describe('coverage: every operation the fakes serve is validated', () => {
  test('GitHub: the adapter, the lock, and the ref operations only the tests use', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1))
    const fake = await exercise(new FakeGitHub({ token: 't', now: () => clock.now() }), async (fake) => {
      const github = new GitHubForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock } })
      await github.readBranchHead('main')
      await github.defaultBranch()
      await github.resolveCommit('main')
      await github.compare(OLDER, NEWER)
      await github.setStatus(NEWER, { context: 'ci', state: 'success', description: 'ok', targetUrl: 'https://ci.example/1' })
      await github.latestStatus(NEWER, 'ci')
      const id = await github.createDeployment({ sha: NEWER, environment: 'production', production: true, description: 'deploy' })
      await github.setDeploymentStatus(id, { state: 'success', description: 'done', logUrl: null, environmentUrl: null })
      const taken = await github.swapLock('production', null, holder(NEWER, 'n1', clock))
      await github.readLock('production')
      const released = await github.swapLock('production', taken!.version, { released: [{ runUrl: 'https://ci.example/1', sha: NEWER }] })
      await github.readLock('production')
      await github.swapLock('production', released!.version, holder(NEWER, 'n2', clock))
      const refs = `${fake.apiUrl}/repos/acme/fleet/git/refs`
      await fetch(refs, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ ref: 'refs/heads/side', sha: OLDER }) })
      await fetch(`${refs}/heads/side`, { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ sha: NEWER, force: false }) })
      await fetch(`${refs}/heads/side`, { method: 'DELETE', headers: JSON_HEADERS })
    })
    const spec = githubSpec()
    const rest = fake.served.filter((route) => route !== 'POST /graphql')
    expect(undescribed(rest, spec)).toEqual([])
    expect(spec.validated.size).toBe(rest.length)
    console.log(
      `GitHub: ${spec.validated.size} of the ${rest.length} REST operations the fake serves validated against the api.github.com OpenAPI description (@octokit/openapi ${githubSpecVersion()}), plus POST /graphql updateRefs against its documented input`
    )
  })

  test('Gitea: the adapter, the lock, and the branch operations only the tests use', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1))
    const fake = await exercise(new FakeGitea({ token: 't', now: () => clock.now() }), async (fake) => {
      const gitea = new GiteaForge({ repository: 'acme/fleet', token: 't', http: { baseUrl: fake.apiUrl, clock } })
      await gitea.readBranchHead('main')
      await gitea.defaultBranch()
      await gitea.resolveCommit('main')
      await gitea.compare(OLDER, NEWER)
      await gitea.setStatus(NEWER, { context: 'ci', state: 'success', description: 'ok', targetUrl: null })
      await gitea.latestStatus(NEWER, 'ci')
      const first = await gitea.swapLock('production', null, holder(NEWER, 'n1', clock))
      await gitea.readLock('production')
      const second = await gitea.swapLock('production', first!.version, holder(NEWER, 'n2', clock))
      await gitea.swapLock('production', second!.version, { released: [{ runUrl: 'https://ci.example/1', sha: NEWER }] })
      await gitea.readLock('production')
      const api = `${fake.apiUrl}/repos/acme/fleet`
      await fetch(`${api}/branches`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ new_branch_name: 'side', old_ref_name: 'refs/heads/main' })
      })
      await fetch(`${api}/tags/v1`, { headers: JSON_HEADERS })
      await fetch(`${api}/branches/side`, { method: 'DELETE', headers: JSON_HEADERS })
    })
    const spec = giteaSpec()
    expect(undescribed(fake.served, spec)).toEqual([])
    expect(spec.validated.size).toBe(fake.served.length)
    console.log(`Gitea: ${spec.validated.size} of the ${fake.served.length} operations the fake serves validated against the Gitea 1.22.6 swagger description`)
  })
})

describe('the GitHub check rejects what api.github.com does not describe', () => {
  test('a path no operation has', () => {
    const found = githubSpec().check(exchange({ method: 'GET', path: '/repos/acme/fleet/git/reference/heads/main', answer: { status: 404 } }))
    expect(found).toEqual([expect.stringContaining('no GET operation in the api.github.com OpenAPI description has this path')])
  })

  test('a method the path does not take', () => {
    expect(githubSpec().check(exchange({ method: 'PUT', path: '/repos/acme/fleet/git/refs', answer: { status: 201 } }))).toEqual([
      expect.stringContaining('no PUT operation')
    ])
  })

  test('a request body outside the schema: a commit state GitHub does not know, a field of the wrong type', () => {
    const found = githubSpec().check(
      exchange({
        method: 'POST',
        path: `/repos/acme/fleet/statuses/${A}`,
        body: { state: 'green', context: 7 },
        answer: { status: 422, body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' } }
      })
    )
    expect(found).toEqual([
      expect.stringMatching(/request body \/state must be equal to one of the allowed values \(error, failure, pending, success\)/),
      expect.stringMatching(/request body \/context must be string/)
    ])
  })

  test('a query parameter the operation does not declare, and a value outside its schema', () => {
    const found = githubSpec().check(
      exchange({
        method: 'GET',
        path: `/repos/acme/fleet/commits/${A}/statuses`,
        query: new URLSearchParams({ per_page: 'many', sort: 'newest' }),
        answer: { status: 200, body: [] }
      })
    )
    expect(found).toEqual([
      expect.stringContaining('query parameter per_page=many must be integer'),
      expect.stringContaining('query parameter sort is not declared')
    ])
  })

  test('a status the operation does not declare', () => {
    const found = githubSpec().check(exchange({ method: 'GET', path: '/repos/acme/fleet', answer: { status: 418, body: { message: 'teapot' } } }))
    expect(found).toEqual([expect.stringContaining('answer 418 is not declared (declared: 200, 301, 403, 404)')])
  })

  test('a 304 to a request that was not conditional', () => {
    expect(githubSpec().check(exchange({ method: 'GET', path: '/repos/acme/fleet', answer: { status: 304 } }))).toEqual([
      expect.stringContaining('answer 304 is not declared')
    ])
  })

  test('an answer body outside the schema', () => {
    const found = githubSpec().check(
      exchange({ method: 'GET', path: '/repos/acme/fleet/git/ref/heads/main', answer: { status: 200, body: { ref: 'refs/heads/main', object: { sha: A } } } })
    )
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining("answer 200 body must have required property 'node_id'"),
        expect.stringContaining("/object must have required property 'type'")
      ])
    )
  })

  test('an updateRefs mutation outside the documented UpdateRefsInput, or another document', () => {
    const answer = { status: 200, body: { data: { updateRefs: { clientMutationId: null } } } }
    const query = 'mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }'
    const wrongInput = { repositoryId: 'R_1', refUpdates: [{ name: 'heads/main', oldOid: A, afterOid: NEWER }] }
    expect(checkGraphql(exchange({ method: 'POST', path: '/graphql', body: { query, variables: { input: wrongInput } }, answer }))).toEqual([
      expect.stringContaining('/variables/input/refUpdates/0 must NOT have additional properties'),
      expect.stringContaining('/variables/input/refUpdates/0/name must match pattern "^refs/"')
    ])
    const other = 'mutation($input: UpdateRefInput!) { updateRef(input: $input) { ref { name } } }'
    expect(
      checkGraphql(
        exchange({ method: 'POST', path: '/graphql', body: { query: other, variables: { input: { repositoryId: 'R_1', refUpdates: [] } } }, answer })
      )
    ).toEqual([expect.stringContaining('request query is not the updateRefs mutation')])
  })
})

describe('the Gitea check rejects what the 1.22.6 swagger does not describe', () => {
  test('a path no operation has (compare by SHA is there, the commit list by SHA in the path is not)', () => {
    expect(giteaSpec().check(exchange({ method: 'GET', path: `/repos/acme/fleet/commits/${A}`, answer: { status: 404 } }))).toEqual([
      expect.stringContaining('no GET operation in the Gitea 1.22.6 swagger description has this path')
    ])
  })

  test('a request body outside the schema', () => {
    const found = giteaSpec().check(
      exchange({
        method: 'POST',
        path: '/repos/acme/fleet/tags',
        body: { tag_name: 7, message: ['m'] },
        answer: { status: 409, body: { message: 'exists', url: '' } }
      })
    )
    expect(found).toEqual([expect.stringContaining('request body /message must be string'), expect.stringContaining('request body /tag_name must be string')])
  })

  test('a status the operation does not declare, and one the server sends although the description does not (cited)', () => {
    expect(
      giteaSpec().check(exchange({ method: 'GET', path: '/repos/acme/fleet/branches/main', answer: { status: 409, body: { message: 'x', url: '' } } }))
    ).toEqual([expect.stringContaining('answer 409 is not declared (declared: 200, 404)')])
    expect(giteaSpec().rules.errata.map((e) => `${e.operation} ${e.status}`)).toEqual([
      'repoCreateTag 201',
      'repoListGitRefs 200',
      'repoCreateStatus 500',
      'repoGetAllCommits 500'
    ])
  })

  test('an answer body outside the schema: Gitea answers a commit status with `status`, not `state`', () => {
    const found = giteaSpec().check(
      exchange({
        method: 'POST',
        path: `/repos/acme/fleet/statuses/${A}`,
        body: { state: 'success', context: 'ci' },
        answer: { status: 201, body: { id: 1, status: 7 } }
      })
    )
    expect(found).toEqual([expect.stringContaining('answer 201 body /status must be string')])
  })

  test('a query parameter outside its enum', () => {
    const found = giteaSpec().check(
      exchange({
        method: 'GET',
        path: `/repos/acme/fleet/commits/${A}/statuses`,
        query: new URLSearchParams({ sort: 'newest' }),
        answer: { status: 200, body: [] }
      })
    )
    expect(found).toEqual([
      expect.stringContaining(
        'query parameter sort=newest must be equal to one of the allowed values (oldest, recentupdate, leastupdate, leastindex, highestindex)'
      )
    ])
  })
})

describe('inside the fakes', () => {
  test('the after-each check fails with the violations of every live fake, then forgets them', async () => {
    const fake = new FakeGitHub({ token: 't' })
    await fake.start()
    await fetch(`${fake.apiUrl}/repos/acme/fleet/git/refs`, { method: 'PUT', headers: JSON_HEADERS, body: '{}' })
    expect(() => assertFakesConform()).toThrow(/fake GitHub: PUT \/repos\/acme\/fleet\/git\/refs: no PUT operation/)
    expect(() => assertFakesConform()).not.toThrow()
    await fake.close()
  })

  test.each([
    ['GitHub', () => new FakeGitHub({ token: 't' }), 'token t'],
    ['Gitea', () => new FakeGitea({ token: 't' }), 'token t']
  ])('the fake %s records a request no operation describes, and its close() fails with it', async (name, make, authorization) => {
    const fake = make()
    await fake.start()
    const res = await fetch(`${fake.apiUrl}/repos/${fake.owner}/${fake.repo}/no-such-endpoint`, { headers: { authorization } })
    expect(res.status).toBe(404)
    await expect(fake.close()).rejects.toThrow(new RegExp(`fake ${name}: GET .*/no-such-endpoint: no GET operation`))
  })
})
