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

describe('scrubSecrets: a secret however a server echoes it', () => {
  const TOKEN = 'ghs_forgeToken123'
  const SPECIAL = 'a&b<c>d=e+f/g'
  const b64 = (text: string) => Buffer.from(text).toString('base64')
  const b64url = (text: string) => Buffer.from(text).toString('base64url')
  const escapeEach = (text: string, which: RegExp) => text.replace(which, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

  beforeEach(() => {
    registerSecret(TOKEN)
    registerSecret(SPECIAL)
    registerCredentials('deployer', PASSWORD)
  })

  it.each([
    ['split by a line break', 'x ghs_forge\nToken123 y'],
    ['split by CRLF', 'x ghs_\r\nforgeToken123 y'],
    ['split by a lone CR', 'x ghs_forgeTok\ren123 y'],
    ['split by a JSON-escaped line break', 'x ghs_forge\\nToken123 y'],
    ['split by several line breaks', 'x g\nh\ns\r\n_forgeToken123 y'],
    ['JSON \\u0026-style escapes', `x ${escapeEach(SPECIAL, /[&<>=+/]/g)} y`],
    [
      'JSON \\u00XX escapes in upper-case hex',
      `x ${escapeEach(SPECIAL, /[&<>=+/]/g)
        .toUpperCase()
        .replace(/\\U/g, '\\u')} y`
    ],
    ['every character \\u-escaped', `x ${escapeEach(TOKEN, /./g)} y`],
    ['escaped slashes', `x ${PASSWORD.replace('/', '\\/')} y`],
    ['escaped twice (JSON inside JSON)', `x ${JSON.stringify(escapeEach(SPECIAL, /[&/]/g)).slice(1, -1)} y`],
    ['HTML entities', `x ${SPECIAL.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&#62;').replace('/', '&#x2F;')} y`],
    ['URL-encoded with lower-case hex', `x ${encodeURIComponent(PASSWORD).toLowerCase()} y`],
    ['URL-encoded twice', `x ${encodeURIComponent(encodeURIComponent(PASSWORD))} y`],
    ['upper-cased', `x ${TOKEN.toUpperCase()} y`],
    ['lower-cased', `x ${TOKEN.toLowerCase()} y`],
    ['upper-cased, split and escaped at once', `x ${escapeEach(PASSWORD.toUpperCase(), /[@/]/g).replace('W0', 'W\r\n0')} y`],
    ['base64', `x ${b64(TOKEN)} y`],
    ['base64 without padding', `x ${b64(TOKEN).replace(/=+$/, '')} y`],
    ['URL-safe base64', `x ${b64url(PASSWORD)} y`],
    ['URL-safe base64 with padding', `x ${b64(PASSWORD).replace(/\+/g, '-').replace(/\//g, '_')} y`],
    ['base64 split across lines, as MIME wraps it', `x ${b64(TOKEN).slice(0, 10)}\r\n${b64(TOKEN).slice(10)} y`]
  ])('%s', (_form, text) => {
    expect(scrubSecrets(text)).toBe('x *** y')
  })

  it.each([
    ['a Basic pair of the token', `deployer:${TOKEN}`],
    ['the token then a suffix', `${TOKEN}:x-oauth-basic`],
    ['the token one byte in', `:${TOKEN}.`],
    ['the token two bytes in', `{"t":"${TOKEN}"}`]
  ])('base64 of a longer text that holds the token: %s', (_what, text) => {
    const scrubbed = scrubSecrets(b64(text))
    expect(scrubbed).toContain('***')
    // What stays decodes to the neighbouring bytes and at most a few of the token's: no four in a row.
    const decoded = scrubbed.split('***').map((piece) => Buffer.from(piece, 'base64').toString('latin1'))
    const runsOfFour = Array.from({ length: TOKEN.length - 3 }, (_, i) => TOKEN.slice(i, i + 4))
    expect(runsOfFour.filter((run) => decoded.some((piece) => piece.includes(run)))).toEqual([])
  })

  it('a non-ASCII secret URL-encoded with lower-case hex', () => {
    registerSecret('pässwörd-42')
    expect(scrubSecrets(`x ${encodeURIComponent('pässwörd-42').toLowerCase()} y ${'PÄSSWÖRD-42'.toLowerCase()}`)).toBe('x *** y ***')
  })

  it('keeps the text around a secret as it was, escapes and case included', () => {
    expect(scrubSecrets('A%2FB \\u0041 ghs_FORGE\nTOKEN123 &amp; Line\r\nBreak')).toBe('A%2FB \\u0041 *** &amp; Line\r\nBreak')
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
    const base64 = (text: string) => Buffer.from(text).toString('base64')
    const expected = [
      'first-secret',
      base64('first-secret'),
      // Base64 of the bytes the secret alone encodes when it starts one, then two bytes into a longer text.
      'cnN0LXNlY3Jl',
      'aXJzdC1zZWNy',
      'second/secret',
      'second%2Fsecret',
      base64('second/secret'),
      base64('second/secret').replace(/=+$/, ''),
      'c2Vjb25kL3NlY3Jl',
      'Y29uZC9zZWNy',
      'ZWNvbmQvc2VjcmV0',
      pair,
      'OnNlY29uZC9zZWNy'
    ]
    expect(seen).toEqual(expected)
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
