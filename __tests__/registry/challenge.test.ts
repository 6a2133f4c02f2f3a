import { parseChallenges } from '../../src/registry/challenge.js'

describe('parseChallenges', () => {
  it('reads a Bearer challenge whose quoted scope holds a comma', () => {
    expect(parseChallenges('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/app:pull,push' } }
    ])
  })

  it('reads Basic with an unquoted realm and odd spacing', () => {
    expect(parseChallenges('basic   realm = registry ')).toEqual([{ scheme: 'basic', params: { realm: 'registry' } }])
  })

  it('separates several challenges in one header', () => {
    expect(parseChallenges('Basic realm="a", Bearer realm="https://x/t", error="insufficient_scope"')).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', error: 'insufficient_scope' } }
    ])
  })

  it('unescapes quoted-pair characters', () => {
    expect(parseChallenges('Bearer realm="https://x/t",error_description="say \\"hi\\""')[0].params.error_description).toBe('say "hi"')
  })

  it('gives nothing for an empty header', () => {
    expect(parseChallenges('')).toEqual([])
  })
})
