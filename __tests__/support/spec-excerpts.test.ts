import { readFileSync } from 'node:fs'
import { GITEA_EXCERPT, GITEA_OPERATIONS, GITHUB_EXCERPT, GITHUB_OPERATIONS, githubExcerpt } from '../../test/support/specs/strip-specs.mjs'

function committed(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
}

function operationsOf(document: Record<string, unknown>): Record<string, string[]> {
  const paths = document.paths as Record<string, Record<string, unknown>>
  return Object.fromEntries(Object.entries(paths).map(([template, item]) => [template, Object.keys(item).filter((key) => key !== 'parameters')]))
}

describe('the committed spec excerpts (test/support/specs)', () => {
  test('the GitHub excerpt is what strip-specs.mjs cuts from the installed @octokit/openapi', () => {
    expect(committed(GITHUB_EXCERPT)).toEqual(githubExcerpt())
  })

  test('each excerpt holds exactly the operations its fake serves', () => {
    expect(operationsOf(committed(GITHUB_EXCERPT))).toEqual(GITHUB_OPERATIONS)
    expect(operationsOf(committed(GITEA_EXCERPT))).toEqual(GITEA_OPERATIONS)
  })

  test('the Gitea excerpt names its source, tag and licence, and no template placeholder is left', () => {
    const gitea = committed(GITEA_EXCERPT)
    expect(gitea.info).toMatchObject({
      version: '1.22.6',
      'x-source': { repository: 'https://github.com/go-gitea/gitea', tag: 'v1.22.6', path: 'templates/swagger/v1_json.tmpl', license: 'MIT' }
    })
    expect(gitea.basePath).toBe('/api/v1')
    expect(readFileSync(GITEA_EXCERPT, 'utf8')).not.toContain('{{')
  })
})
