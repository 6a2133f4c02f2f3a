import type { Dispatcher } from 'undici'
import { parseChallenges, type Challenge } from './challenge.js'
import { neutralize } from '../util/sanitize.js'
import { registerCredentials, registerSecret } from '../util/scrub.js'
import { RegistryError, registryErrorFor, type RegistryTarget } from './errors.js'
import { exchange } from './http.js'
import { isLoopbackHost } from './image-ref.js'

export interface Credentials {
  readonly username: string
  readonly password: string
}

const TOKEN_BODY_MAX = 1024 * 1024
const TOKEN_MAX = 16 * 1024
const TOKEN_CHARS = /^[\x21-\x7e]+$/

/**
 * The Authorization a client sends, learned from the registry's challenges: nothing until a 401 asks, then
 * Basic credentials, or a Bearer token fetched from the challenge's realm (with the credentials, or
 * anonymously). Credentials are never sent before a challenge asks for them.
 */
export class RegistryAuth {
  private authorization: string | null = null

  constructor(
    private readonly credentials: Credentials | undefined,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly timeoutMs: number
  ) {
    if (credentials) registerCredentials(credentials.username, credentials.password)
  }

  get hasCredentials(): boolean {
    return this.credentials !== undefined
  }

  header(): string | null {
    return this.authorization
  }

  /** Answers a 401; true when there is a new Authorization worth one retry. */
  async answer(challengeHeader: string | undefined, target: RegistryTarget): Promise<boolean> {
    const challenges = challengeHeader ? parseChallenges(challengeHeader) : []
    const bearer = challenges.find((c) => c.scheme === 'bearer')
    if (bearer) {
      const token = await this.fetchToken(bearer, target)
      // A token learned mid-run is a secret like the inputs: scrubbed (and masked) from here on.
      registerSecret(token)
      this.authorization = `Bearer ${token}`
      return true
    }
    const basic = challenges.find((c) => c.scheme === 'basic')
    if (basic && this.credentials) {
      const header = basicAuthorization(this.credentials)
      // Already sent and still refused: asking again cannot help.
      if (this.authorization === header) return false
      this.authorization = header
      return true
    }
    return false
  }

  private async fetchToken(challenge: Challenge, target: RegistryTarget): Promise<string> {
    const url = this.realmUrl(challenge, target)
    const service = `${target.registry} (token service ${url.host})`
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials)
    const res = await exchange({
      url: url.toString(),
      method: 'GET',
      headers,
      maxBytes: TOKEN_BODY_MAX,
      timeoutMs: this.timeoutMs,
      dispatcher: this.dispatcher,
      subject: `${target.target} (token service ${url.host})`
    })
    const asked = { ...target, registry: service, hasCredentials: this.hasCredentials }
    if (res.status === 401 || res.status === 403) {
      // A token service refusing the credentials is an authentication failure, whatever status it picks.
      throw registryErrorFor(401, res.body, asked)
    }
    if (res.status < 200 || res.status > 299) throw registryErrorFor(res.status, res.body, asked)
    const token = readToken(res.body)
    if (!token) {
      throw new RegistryError(`${target.target}: ${service} answered without a usable token`, 'registry', target.target, 'UNAUTHORIZED', res.status)
    }
    return token
  }

  private realmUrl(challenge: Challenge, target: RegistryTarget): URL {
    const fail = (problem: string): RegistryError =>
      new RegistryError(`${target.target}: registry ${target.registry} ${problem}`, 'registry', target.target, 'UNAUTHORIZED', 401)
    let url: URL
    try {
      url = new URL(challenge.params.realm ?? '')
    } catch {
      throw fail('sent a Bearer challenge without a usable realm')
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('sent a Bearer realm that is not http(s)')
    if (this.credentials && url.protocol === 'http:' && !isLoopbackHost(url.host)) {
      throw fail(`asked for credentials over plain HTTP at token service ${neutralize(url.host, 200)}; refusing to send them`)
    }
    url.username = ''
    url.password = ''
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    for (const scope of (challenge.params.scope ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', scope)
    return url
  }
}

function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}

function readToken(body: Buffer): string | null {
  let parsed: { token?: unknown; access_token?: unknown }
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return null
  }
  const token = typeof parsed?.token === 'string' && parsed.token ? parsed.token : parsed?.access_token
  return typeof token === 'string' && token.length <= TOKEN_MAX && TOKEN_CHARS.test(token) ? token : null
}
