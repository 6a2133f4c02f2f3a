import { forgetSecrets, onSecretRegistered, registerCredentials, registerSecret, scrubSecrets } from '../../src/util/scrub.js'
import { neutralize } from '../../src/util/sanitize.js'

const PASSWORD = 'p@ss/w0rd+42!'
const PAIR = Buffer.from(`deployer:${PASSWORD}`).toString('base64')

afterEach(() => forgetSecrets())

describe('scrubSecrets: every form of every registered secret', () => {
  beforeEach(() => {
    registerSecret('ghs_forgeToken123')
    registerCredentials('deployer', PASSWORD)
  })

  it.each([
    ['raw', 'refused ghs_forgeToken123', 'refused ***'],
    ['URL-encoded', `password=${encodeURIComponent(PASSWORD)}`, 'password=***'],
    ['JSON-escaped', `{"t":${JSON.stringify('x' + PASSWORD)}}`, '{"t":"x***"}'],
    ['base64 pair', `credentials ${PAIR}`, 'credentials ***'],
    ['base64 pair without padding', `credentials ${PAIR.replace(/=+$/, '')}.`, 'credentials ***.'],
    ['Basic header form', `you sent Basic ${PAIR}`, 'you sent Basic ***'],
    ['Bearer header form', 'Authorization: Bearer ghs_forgeToken123', 'Authorization: ***']
  ])('%s', (_form, text, expected) => {
    expect(scrubSecrets(text)).toBe(expected)
  })
})

describe('scrubSecrets: what it cannot know in advance', () => {
  it.each([
    ['a Bearer credential', 'got Bearer eyJhbGciOi.payload.sig', 'got Bearer ***'],
    ['a Basic credential', 'got basic dXNlcjpwYXNzd29yZA==', 'got basic ***'],
    ['an Authorization header value', 'Authorization: token 0123abcd', 'Authorization: ***'],
    ['an Authorization JSON member', '{"authorization":"secret-value"}', '{"authorization":"***"}'],
    ['URL userinfo, query and fragment', "see 'https://bob:pw@cp.example/x/y?sig=abc&t=1#frag' now", "see 'https://cp.example/x/y?…#…' now"],
    ['userinfo without a password', 'https://token123@host.example/', 'https://host.example/']
  ])('%s', (_what, text, expected) => {
    expect(scrubSecrets(text)).toBe(expected)
  })

  it('leaves ordinary text and a challenge realm readable', () => {
    const text = 'Bearer realm="https://auth.example/token",service="registry" at https://ghcr.io/v2/acme/app'
    expect(scrubSecrets(text)).toBe(text)
  })
})

describe('registration', () => {
  it('ignores values too short to scrub without ruining ordinary words', () => {
    registerSecret('abc')
    expect(scrubSecrets('abc def')).toBe('abc def')
  })

  it('replaces the longest form first, so a secret that contains another goes whole', () => {
    registerSecret('abcd')
    registerSecret('abcdefgh')
    expect(scrubSecrets('abcdefgh')).toBe('***')
  })

  it('tells each listener every form, those registered before it and after, once', () => {
    const seen: string[] = []
    registerSecret('first-secret')
    const listener = (form: string) => seen.push(form)
    onSecretRegistered(listener)
    onSecretRegistered(listener)
    registerCredentials('u', 'second/secret')
    registerSecret('first-secret')
    const pair = Buffer.from('u:second/secret').toString('base64')
    const expected = ['first-secret', 'second/secret', 'second%2Fsecret', pair, encodeURIComponent(pair), pair.replace(/=+$/, '')]
    expect(seen).toEqual([...new Set(expected)])
  })
})

describe('neutralize scrubs before it cuts', () => {
  it('never leaves the head of a secret that straddles the cut', () => {
    registerSecret('ghs_straddlingSecret')
    const text = `${'x'.repeat(10)}ghs_straddlingSecret`
    expect(neutralize(text, 15)).toBe(`${'x'.repeat(10)}***`)
    expect(neutralize(text, 12)).not.toContain('gh')
  })
})
