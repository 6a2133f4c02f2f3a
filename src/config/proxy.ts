import { InputError } from '../util/errors.js'
import { registerCredentials } from '../util/scrub.js'
import { withoutCredentials } from './validate.js'

/**
 * The proxy variables of the runner (src/util/dispatcher.ts routes every request by them), checked with
 * the inputs before the first network call, so a proxy URL undici cannot use is an input error naming
 * the variable instead of a failure of whatever the run contacts first.
 */
export interface ProxyEnv {
  readonly https_proxy?: string
  readonly HTTPS_PROXY?: string
  readonly http_proxy?: string
  readonly HTTP_PROXY?: string
  readonly no_proxy?: string
  readonly NO_PROXY?: string
}

export const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'] as const

const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks:', 'socks5:'])

/**
 * Checks the variables undici uses (the lower-case one when it is set, as undici reads them), each
 * through `take` so every bad one is reported with the other inputs. A proxy password is registered as
 * a secret before anything could log it.
 */
export function checkProxyVariables(env: ProxyEnv, take: (check: () => void) => void): void {
  for (const [lower, upper] of [
    ['https_proxy', 'HTTPS_PROXY'],
    ['http_proxy', 'HTTP_PROXY']
  ] as const) {
    const name = env[lower] !== undefined ? lower : upper
    const value = env[name]
    if (value) take(() => checkProxyUrl(name, value))
  }
  const noProxy = env.no_proxy !== undefined ? 'no_proxy' : 'NO_PROXY'
  const entries = env[noProxy]
  if (entries) take(() => checkNoProxy(noProxy, entries))
}

function checkProxyUrl(name: string, value: string): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(name, `is not a URL: '${withoutCredentials(value).slice(0, 200)}'; write the proxy as http://host:port`)
  }
  if (url.username || url.password) registerCredentials(decodeURIComponent(url.username), decodeURIComponent(url.password))
  if (!PROXY_SCHEMES.has(url.protocol)) {
    throw new InputError(name, `must be an http, https or socks5 URL (http://host:port), got '${url.protocol}'`)
  }
  if (!url.hostname) throw new InputError(name, 'names no proxy host; write the proxy as http://host:port')
}

/**
 * NO_PROXY lists host names (`example.com`, `.example.com`, `*.example.com`, `host:port`, or `*`),
 * separated by commas or spaces. undici compares them with the request's host name, so an entry written
 * as a URL or a path never matches: it would send through the proxy a host meant to be reached directly.
 * (An address range, `10.0.0.0/8`, does not match either; curl does not read ranges, so many runners
 * carry them for other tools: they are left alone.)
 */
function checkNoProxy(name: string, value: string): void {
  for (const entry of value.split(/[,\s]+/).filter(Boolean)) {
    if (/^[0-9a-f.:]+\/\d{1,3}$/i.test(entry)) continue
    if (entry.includes('/') || entry.includes('@')) {
      throw new InputError(name, `entry '${withoutCredentials(entry).slice(0, 100)}' is not a host name: list hosts as example.com, .example.com or host:port`)
    }
  }
}
