/**
 * The one secret scrubber. Every secret the run knows is registered here as soon as it is known: the
 * inputs when the settings are parsed, a registry token when it is fetched. `scrubSecrets` removes
 * each of them in every form it is commonly echoed in (raw, URL-encoded, JSON-escaped, base64 of a
 * `user:password` pair, and so an `Authorization: Basic …` or `Bearer …` header), plus header values
 * and URL credentials and queries it cannot know in advance. `neutralize` (src/util/sanitize.ts)
 * applies it to every remote string before any sink sees it.
 */

/** Shorter values are not scrubbed: replacing every "ab" would make text unreadable and hide nothing. */
const MIN_SECRET_LENGTH = 4
const REPLACEMENT = '***'

const forms = new Set<string>()
/** Longest first, so a form that contains another is replaced whole. */
let ordered: string[] = []
const listeners = new Set<(form: string) => void>()

/** Registers a secret and its encodings; each new form is passed to the listeners (the action masks it on the runner). */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return
  addForms([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])
}

/** A username and password: the password, and the base64 pair a Basic header carries. */
export function registerCredentials(username: string, password: string): void {
  registerSecret(password)
  if (password.length < MIN_SECRET_LENGTH) return
  const pair = Buffer.from(`${username}:${password}`).toString('base64')
  addForms([pair, encodeURIComponent(pair), pair.replace(/=+$/, '')])
}

/** Calls `listener` for every form registered so far and every one registered later. */
export function onSecretRegistered(listener: (form: string) => void): void {
  if (listeners.has(listener)) return
  listeners.add(listener)
  for (const form of forms) listener(form)
}

/** Test isolation: forgets every registered secret and listener. */
export function forgetSecrets(): void {
  forms.clear()
  ordered = []
  listeners.clear()
}

function addForms(candidates: readonly string[]): void {
  const added = [...new Set(candidates)].filter((form) => form.length >= MIN_SECRET_LENGTH && !forms.has(form))
  if (added.length === 0) return
  for (const form of added) forms.add(form)
  ordered = [...forms].sort((a, b) => b.length - a.length)
  for (const form of added) for (const listener of listeners) listener(form)
}

/** `Authorization: <anything>` as a header line, a JSON member or a query parameter. */
const AUTHORIZATION_VALUE = /(authorization["']?\s*[:=]\s*["']?)(?:(?:basic|bearer|token)\s+)?[^\s"',;&]+/gi
/** The credential of a `Basic`/`Bearer` header form (a challenge's `realm=` is not one). */
const HEADER_CREDENTIAL = /\b(basic|bearer)\s+(?!realm\b)[A-Za-z0-9._~+/-]{8,}=*/gi
/** Any URL: its userinfo, query and fragment are dropped, the rest is kept to say where it points. */
const URL_PARTS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s/?#"'<>`]*)([^\s?#"'<>`]*)(\?[^\s#"'<>`]*)?(#[^\s"'<>`]*)?/gi

/** Removes every registered secret form, header credentials, and URL userinfo and queries. */
export function scrubSecrets(text: string): string {
  let safe = text
  for (const form of ordered) if (safe.includes(form)) safe = safe.split(form).join(REPLACEMENT)
  return safe
    .replace(HEADER_CREDENTIAL, (_, scheme: string) => `${scheme} ${REPLACEMENT}`)
    .replace(AUTHORIZATION_VALUE, (_, name: string) => `${name}${REPLACEMENT}`)
    .replace(
      URL_PARTS,
      (_, scheme: string, host: string, path: string, query?: string, fragment?: string) => `${scheme}${host}${path}${query ? '?…' : ''}${fragment ? '#…' : ''}`
    )
}
