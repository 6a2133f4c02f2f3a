import { parseSettings, type RuntimeEnv } from '../../src/config/parse.js'
import { InputError, InputErrors } from '../../src/util/errors.js'
import { scrubSecrets } from '../../src/util/scrub.js'

const SHA = '7f25373' + 'a'.repeat(33)
const ENV: RuntimeEnv = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_SHA: SHA, GITHUB_RUN_ID: '42' }

function parseWith(proxyEnv: RuntimeEnv, inputs: Record<string, string> = {}) {
  const all: Record<string, string> = { token: 't0ken', tenants: 'hongming http://127.0.0.1:9/', ...inputs }
  return () =>
    parseSettings(
      (name) => all[name] ?? '',
      { ...ENV, ...proxyEnv },
      () => ''
    )
}

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('proxy variables, checked with the inputs', () => {
  it.each([
    ['HTTPS_PROXY', 'http://[bad', "input 'HTTPS_PROXY': is not a URL: 'http://[bad'; write the proxy as http://host:port"],
    ['http_proxy', 'proxy.corp:3128', "input 'http_proxy': must be an http, https or socks5 URL (http://host:port), got 'proxy.corp:'"],
    ['HTTP_PROXY', 'ftp://proxy.corp:21', "input 'HTTP_PROXY': must be an http, https or socks5 URL (http://host:port), got 'ftp:'"],
    [
      'NO_PROXY',
      'localhost,https://gitea.corp',
      "input 'NO_PROXY': entry 'https://gitea.corp' is not a host name: list hosts as example.com, .example.com or host:port"
    ]
  ])('%s=%s is an input error naming the variable', (variable, value, message) => {
    expect(inputErrorOf(parseWith({ [variable]: value })).message).toBe(message)
  })

  it('a bad proxy URL never echoes its credentials', () => {
    const message = inputErrorOf(parseWith({ HTTPS_PROXY: 'http://deploy:hunter2-proxy@[bad' })).message
    expect(message).not.toContain('hunter2-proxy')
    expect(message).not.toContain('deploy')
  })

  it('is reported together with the other invalid inputs', () => {
    const error = inputErrorOf(parseWith({ HTTPS_PROXY: 'http://[bad' }, { 'settle-budget': 'soon' }))
    expect(error).toBeInstanceOf(InputErrors)
    expect((error as InputErrors).errors.map((e) => e.input)).toEqual(['settle-budget', 'HTTPS_PROXY'])
  })

  it('checks the variable undici uses: the lower-case one when it is set', () => {
    expect(parseWith({ https_proxy: 'http://proxy.corp:3128', HTTPS_PROXY: 'http://[shadowed' })).not.toThrow()
    expect(inputErrorOf(parseWith({ https_proxy: 'http://[bad', HTTPS_PROXY: 'http://proxy.corp:3128' })).input).toBe('https_proxy')
  })

  it('accepts http, https and socks5 proxies, host-name NO_PROXY lists, and leaves address ranges alone', () => {
    expect(
      parseWith({
        HTTPS_PROXY: 'https://proxy.corp:3129',
        HTTP_PROXY: 'http://proxy.corp:3128',
        http_proxy: 'socks5://127.0.0.1:1080',
        NO_PROXY: 'localhost, .corp,*.example.com gitea.corp:3000 10.0.0.0/8 *'
      })
    ).not.toThrow()
  })

  it("registers a proxy's password as a secret before anything could log it", () => {
    parseWith({ HTTPS_PROXY: 'http://deploy:pr0xy-pa55word@proxy.corp:3128' })()
    expect(scrubSecrets('echoed pr0xy-pa55word')).not.toContain('pr0xy-pa55word')
  })
})
