/**
 * The one secret scrubber. Every secret the run knows is registered here as soon as it is known: the
 * inputs when the settings are parsed, a registry token when it is fetched. `scrubSecrets` removes
 * each of them however a server echoes it, plus header values and URL credentials and queries it
 * cannot know in advance. `neutralize` (src/util/sanitize.ts) applies it to every remote string before
 * any sink sees it, and only then cuts.
 *
 * A secret is found in text after both are folded the same way: line breaks dropped, escapes decoded
 * (`%XX` in either case, `\uXXXX`, `\/` `\"` `\\` `\'`, JSON's `\n` `\r` as line breaks, `&amp;` `&lt;` `&gt;`
 * `&quot;` `&apos;` and numeric character references), up to three times for text escaped more than
 * once, and ASCII letters lower-cased. So one comparison covers a secret wrapped across lines, escaped by
 * any JSON, URL or HTML encoder, echoed upper- or lower-case, or any mix of these. Base64 forms of each
 * secret are registered besides the value (standard and URL-safe, padded or not, and the characters that
 * are the same wherever it starts inside a longer base64 text, as the runner's own masker does).
 */

/** Shorter values are not scrubbed: replacing every "ab" would make text unreadable and hide nothing. */
const MIN_SECRET_LENGTH = 4
/** Base64 of a part of a secret shorter than this is not scrubbed on its own: too likely to occur by chance. */
const MIN_BASE64_LENGTH = 8
const REPLACEMENT = '***'
/** Text escaped more than this many times over is not unwrapped further. */
const MAX_DECODING_DEPTH = 3
/** Folded characters a cut-off escape at the end of a prefix can add (`&#x10ffff;` less its last character). */
const PARTIAL_ESCAPE_MARGIN = 16

/** Every literal form registered: the listeners (the runner's masker) are told each one. */
const forms = new Set<string>()
/** The folded forms searched for. */
let needles: string[] = []
/** The needles that hold no other: text that contains none of them contains no needle. */
let sentinels: string[] = []
let longestNeedle = 0
const listeners = new Set<(form: string) => void>()

/** Registers a secret and its encodings; each new form is passed to the listeners (the action masks it on the runner). */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return
  addForms([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), ...base64Forms(value)])
}

/** A username and password: the password, and the base64 pair a Basic header carries. */
export function registerCredentials(username: string, password: string): void {
  registerSecret(password)
  if (password.length < MIN_SECRET_LENGTH) return
  const pair = Buffer.from(`${username}:${password}`).toString('base64')
  addForms([pair, encodeURIComponent(pair), pair.replace(/=+$/, ''), ...base64Forms(`${username}:${password}`)])
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
  needles = []
  sentinels = []
  longestNeedle = 0
  listeners.clear()
}

/**
 * Base64 of the value, padded and not, standard and URL-safe; and, for each of the three alignments it
 * can start at inside a longer base64 text (`Basic` of `token:x`, a JSON document encoded whole), the
 * characters that encode its bytes alone.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value)
  const whole = bytes.toString('base64')
  const cores = [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    return encoded.slice(shift === 0 ? 0 : 4, Math.floor((bytes.length + shift) / 3) * 4)
  })
  const standard = [whole, whole.replace(/=+$/, ''), ...cores.filter((core) => core.length >= MIN_BASE64_LENGTH)]
  return [...standard, ...standard.map((form) => form.replace(/\+/g, '-').replace(/\//g, '_'))]
}

function addForms(candidates: readonly string[]): void {
  const added = [...new Set(candidates)].filter((form) => form.length >= MIN_SECRET_LENGTH && !forms.has(form))
  if (added.length === 0) return
  for (const form of added) forms.add(form)
  const folded = new Set([...needles, ...added.map((form) => fold(form).text)])
  needles = [...folded].filter((needle) => needle.length >= MIN_SECRET_LENGTH)
  sentinels = needles.filter((needle) => !needles.some((other) => other !== needle && needle.includes(other)))
  longestNeedle = Math.max(0, ...needles.map((needle) => needle.length))
  for (const form of added) for (const listener of listeners) listener(form)
}

/** `Authorization: <anything>` as a header line, a JSON member or a query parameter. */
const AUTHORIZATION_VALUE = /(authorization["']?\s*[:=]\s*["']?)(?:(?:basic|bearer|token)\s+)?[^\s"',;&]+/gi
/** The credential of a `Basic`/`Bearer` header form (a challenge's `realm=` is not one). */
const HEADER_CREDENTIAL = /\b(basic|bearer)\s+(?!realm\b)[A-Za-z0-9._~+/-]{8,}=*/gi
/** Any URL: its userinfo, query and fragment are dropped, the rest is kept to say where it points. */
const URL_PARTS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s/?#"'<>`]*)([^\s?#"'<>`]*)(\?[^\s#"'<>`]*)?(#[^\s"'<>`]*)?/gi

/** Removes every registered secret in every form, header credentials, and URL userinfo and queries. */
export function scrubSecrets(text: string): string {
  return removeSecrets(text)
    .replace(HEADER_CREDENTIAL, (_, scheme: string) => `${scheme} ${REPLACEMENT}`)
    .replace(AUTHORIZATION_VALUE, (_, name: string) => `${name}${REPLACEMENT}`)
    .replace(
      URL_PARTS,
      (_, scheme: string, host: string, path: string, query?: string, fragment?: string) => `${scheme}${host}${path}${query ? '?…' : ''}${fragment ? '#…' : ''}`
    )
}

/**
 * For text that is only the beginning of what a server sent (a bounded read): scrubbed whole, then
 * its tail is dropped where the beginning of a secret could be, cut off by the read before it could be
 * recognized. Whatever the encoding, such a beginning folds to fewer characters than the longest form.
 */
export function scrubSecretsOfPrefix(text: string): string {
  const safe = scrubSecrets(text)
  const folded = fold(safe)
  const keep = folded.text.length - longestNeedle - PARTIAL_ESCAPE_MARGIN
  return keep > 0 ? safe.slice(0, folded.from(keep)) : ''
}

/** Every stretch of `text` that folds to a registered form becomes one replacement. */
function removeSecrets(text: string): string {
  if (needles.length === 0) return text
  // Most text holds no secret: folding without a map of where each character came from says so at a low cost.
  const plain = foldedText(text)
  if (!sentinels.some((sentinel) => plain.includes(sentinel))) return text
  const folded = fold(text)
  const spans: [number, number][] = []
  for (const needle of needles) {
    for (let at = folded.text.indexOf(needle); at !== -1; at = folded.text.indexOf(needle, at + 1)) {
      spans.push([folded.from(at), folded.to(at + needle.length - 1)])
    }
  }
  spans.sort((a, b) => a[0] - b[0])
  let safe = ''
  let done = 0
  for (const [start, end] of spans) {
    if (end <= done) continue
    if (start >= done) safe += text.slice(done, start) + REPLACEMENT
    done = end
  }
  return safe + text.slice(done)
}

/** What folding decodes; a line break (raw or JSON-escaped) folds to nothing. */
const ESCAPE = /%([0-9a-f]{2})|\\u([0-9a-f]{4})|\\([/"'\\])|\\[nr]|\r\n?|\n|&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos));/gi
const ESCAPE_START = /[%\\&\r\n]/
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** The folded text alone. */
function foldedText(text: string): string {
  return unwrap({ text: lowerAscii(text) }, ({ text: outer }) => ({ text: outer.replace(ESCAPE, (...match: string[]) => lowerAscii(decoded(match))) })).text
}

/** Folded text, and for each of its characters the stretch of the original text it came from. */
interface Folded {
  readonly text: string
  from(index: number): number
  to(index: number): number
}

/** The folded text (as `foldedText` folds it) with its map back to `text`; text without escapes maps onto itself. */
function fold(text: string): Folded {
  return unwrap<Folded>({ text: lowerAscii(text), from: (i) => i, to: (i) => i + 1 }, (outer) => {
    const inner = decodeOnce(outer.text)
    const from = Int32Array.from(inner.from, (i) => outer.from(i))
    const to = Int32Array.from(inner.to, (i) => outer.to(i - 1))
    return { text: inner.text, from: (i) => from[i], to: (i) => to[i] }
  })
}

/** Decodes layer after layer until one has no escape left, at most MAX_DECODING_DEPTH deep. Each escape shortens a layer. */
function unwrap<T extends { readonly text: string }>(first: T, decodeLayer: (layer: T) => T): T {
  let layer = first
  for (let depth = 0; depth < MAX_DECODING_DEPTH && ESCAPE_START.test(layer.text); depth++) {
    const next = decodeLayer(layer)
    if (next.text.length === layer.text.length) break
    layer = next
  }
  return layer
}

/** One layer of escapes decoded, lower-cased, mapped back to the characters it came from. */
function decodeOnce(text: string): { text: string; from: number[]; to: number[] } {
  let out = ''
  const from: number[] = []
  const to: number[] = []
  const copy = (piece: string, start: number, end: number, perCharacter: boolean): void => {
    out += piece
    for (let i = 0; i < piece.length; i++) {
      from.push(perCharacter ? start + i : start)
      to.push(perCharacter ? start + i + 1 : end)
    }
  }
  let done = 0
  for (const match of text.matchAll(ESCAPE)) {
    const start = match.index
    copy(text.slice(done, start), done, start, true)
    done = start + match[0].length
    copy(lowerAscii(decoded(match)), start, done, false)
  }
  copy(text.slice(done), done, text.length, true)
  return { text: out, from, to }
}

function decoded([, percent, unicode, escaped, decimal, hex, named]: readonly (string | undefined)[]): string {
  if (percent ?? unicode) return String.fromCharCode(parseInt((percent ?? unicode)!, 16))
  if (escaped) return escaped
  const codePoint = decimal ? parseInt(decimal, 10) : hex ? parseInt(hex, 16) : null
  if (codePoint !== null) return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : ''
  return named ? ENTITIES[named.toLowerCase()] : ''
}

/** A character outside tab to `~`: `toLowerCase` could change the length (`İ` becomes two characters). */
const BEYOND_ASCII = /[^\t-~]/

/** ASCII letters only, so every character keeps its place. */
function lowerAscii(text: string): string {
  return BEYOND_ASCII.test(text) ? text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : text.toLowerCase()
}
