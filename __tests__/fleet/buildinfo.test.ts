import { DEFAULT_SHA_FIELDS, readCommit } from '../../src/fleet/buildinfo.js'

const SHA = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'

describe('readCommit', () => {
  it('reads the commit from the first present default field and lowercases it', () => {
    expect(readCommit(JSON.stringify({ git_sha: SHA.toUpperCase() }), DEFAULT_SHA_FIELDS)).toEqual({ sha: SHA, problem: null })
    expect(readCommit(JSON.stringify({ revision: '7f25373' }), DEFAULT_SHA_FIELDS).sha).toBe('7f25373')
  })

  it('lets the first present field decide, even when a later one holds a valid commit', () => {
    const reading = readCommit(JSON.stringify({ sha: 'unknown', commit: SHA }), DEFAULT_SHA_FIELDS)
    expect(reading.sha).toBeNull()
    expect(reading.problem).toContain("field 'sha' is not a commit SHA")
  })

  it('skips a field that is null and honours a custom field order', () => {
    expect(readCommit(JSON.stringify({ sha: null, commit: SHA }), DEFAULT_SHA_FIELDS).sha).toBe(SHA)
    expect(readCommit(JSON.stringify({ sha: 'x', build_sha: SHA }), ['build_sha', 'sha']).sha).toBe(SHA)
  })

  it.each([
    ['not JSON', '{"sha": ', 'body is not JSON'],
    ['a JSON array', `["${SHA}"]`, 'body is not a JSON object'],
    ['no known field', '{"version":"1.2.3"}', 'none of the fields sha, git_sha, commit, revision is present'],
    ['a too short SHA', '{"sha":"7f2537"}', "field 'sha' is not a commit SHA"],
    ['a number', '{"sha":7253730}', "field 'sha' is not a commit SHA: 7253730"]
  ])('reports %s as a problem', (_label, body, problem) => {
    const reading = readCommit(body, DEFAULT_SHA_FIELDS)
    expect(reading.sha).toBeNull()
    expect(reading.problem).toContain(problem)
  })

  it('neutralizes a hostile value quoted in the problem', () => {
    const reading = readCommit('{"sha":"::add-mask::x\\r##[error]boom"}', DEFAULT_SHA_FIELDS)
    expect(reading.problem).not.toMatch(/::|##\[|\r/)
  })
})
