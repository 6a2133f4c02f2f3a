import { InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { scrubSecrets } from '../util/scrub.js'
import { isCommitSha } from '../util/sha.js'

/** Small validators shared by the settings parser; each error names the input. */

export function parseHttpUrl(value: string, input: string, what = 'value'): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(input, `${what} is not a URL: '${neutralize(withoutCredentials(value), 200)}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(input, `${what} must be an http or https URL, got '${url.protocol}'`)
  }
  if (url.username || url.password) throw new InputError(input, `${what} must not carry credentials in the URL`)
  return url
}

/**
 * An invalid URL echoed in an error loses whatever could be a credential: everything up to its last
 * '@' (the userinfo, however malformed) and its query and fragment.
 */
export function withoutCredentials(value: string): string {
  // Known secrets go first: an '@' inside a password must not decide where the userinfo ends.
  const cut = scrubSecrets(value).replace(/[?#][\s\S]*$/, (rest) => `${rest[0]}…`)
  return cut.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, (_, scheme?: string) => scheme ?? '')
}

export function parseSha(value: string, input: string): string {
  if (!isCommitSha(value)) throw new InputError(input, `must be a commit SHA of 7 to 64 hex digits, got '${neutralize(value, 80)}'`)
  return value.toLowerCase()
}

/** OCI distribution-spec tag grammar. */
const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/

export function parseTag(value: string, input: string): string {
  if (!OCI_TAG.test(value)) throw new InputError(input, `'${neutralize(value, 140)}' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`)
  return value
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function parseName(value: string, input: string): string {
  if (!NAME.test(value)) throw new InputError(input, `'${neutralize(value, 80)}' must be 1-64 letters, digits, '.', '_' or '-'`)
  return value
}

export function parseBranch(value: string, input: string): string {
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(value) || value.startsWith('-') || value.includes('..') || value.endsWith('/')) {
    throw new InputError(input, `'${neutralize(value, 80)}' is not a valid branch name`)
  }
  return value.replace(/^refs\/heads\//, '')
}

/** A bounded number of seconds; budgets are finite so a run always ends. */
export function parseSeconds(value: string, input: string, min: number, max: number): number {
  const seconds = Number(value)
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new InputError(input, `must be a number of seconds from ${min} to ${max}, got '${neutralize(value, 40)}'`)
  }
  return seconds
}

/** A whole number in [min, max]. */
export function parseCount(value: string, input: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new InputError(input, `must be a whole number from ${min} to ${max}, got '${neutralize(value, 40)}'`)
  }
  return Number(value)
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
export function parseBoolean(value: string, input: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `must be true or false, got '${neutralize(value, 40)}'`)
}
