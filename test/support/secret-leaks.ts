/**
 * The secrets tests' oracle and their hostile encodings, shared by the in-process matrix
 * (__tests__/secrets/matrix.test.ts) and the runner-style tests of dist/ (__tests__/action/dist-secrets.test.ts).
 * The oracle does not use the scrubber: it reads each sink the way a person could.
 */

export const base64 = (text: string): string => Buffer.from(text).toString('base64')

/** How a server may echo a secret besides as it is: each one is scrubbed (README, "Nothing secret leaves"). */
export const ECHO_ENCODINGS: readonly { readonly name: string; encode(secret: string): string }[] = [
  { name: 'split across line breaks', encode: (secret) => `${secret.slice(0, 6)}\n${secret.slice(6, 12)}\r\n${secret.slice(12)}` },
  // What JSON encoders that escape `<`, `&`, `=`, `+`, `/` write, here for every other character.
  {
    name: 'JSON \\u00XX-escaped',
    encode: (secret) => secret.replace(/.(.)/g, (pair, c: string) => `${pair[0]}\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  },
  { name: 'base64', encode: base64 },
  { name: 'URL-safe base64 without padding', encode: (secret) => Buffer.from(secret).toString('base64url') },
  { name: 'upper-cased', encode: (secret) => secret.toUpperCase() },
  { name: 'lower-cased', encode: (secret) => secret.toLowerCase() },
  { name: 'URL-encoded with lower-case hex', encode: (secret) => [...secret].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('') }
]

/**
 * What a reader could make of a sink: escapes decoded layer by layer (a record quotes a message in JSON,
 * which quotes a body in JSON…), white space dropped (a log line turns a line break into a space), one case.
 */
export function readable(text: string): string {
  let decoded = text
  for (let layer = 0; layer < 4; layer++) {
    decoded = decoded.replace(/\\(?:u([0-9a-f]{4})|([\\/"])|[nrt])|%([0-9a-f]{2})/gi, (_, unicode?: string, escaped?: string, percent?: string) =>
      unicode || percent ? String.fromCharCode(parseInt((unicode ?? percent)!, 16)) : (escaped ?? ' ')
    )
  }
  return decoded.replace(/\s+/g, '').toLowerCase()
}

/** Each forbidden value that a sink shows, raw or as base64, whole or its first or last half (what a cut or a split leaves). */
export function leaksOf(sinks: Record<string, string>, forbidden: readonly string[]): string[] {
  const values = new Set(forbidden.flatMap((secret) => [secret, base64(secret), Buffer.from(secret).toString('base64url')]))
  const pieces = [...values].flatMap((value) => {
    const half = Math.ceil(value.length / 2)
    return [value.slice(0, half), value.slice(-half)]
  })
  return Object.entries(sinks).flatMap(([sink, text]) => {
    const shown = readable(text)
    return pieces.filter((piece) => shown.includes(readable(piece))).map((piece) => `${sink}: ${piece}`)
  })
}
