/** An authentication challenge from `WWW-Authenticate` (RFC 7235): `Basic realm=…` or `Bearer realm=…,service=…,scope=…`. */
export interface Challenge {
  /** Lowercase scheme name. */
  readonly scheme: string
  /** Parameters by lowercase name, quotes and escapes removed. */
  readonly params: Readonly<Record<string, string>>
}

const TOKEN_CHAR = /[A-Za-z0-9!#$%&'*+.^_`|~-]/

/** Parses every challenge of one header value; quoted values may hold commas (a scope such as `pull,push`). */
export function parseChallenges(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = []
  let pos = 0
  const skip = (chars: RegExp): void => {
    while (pos < header.length && chars.test(header[pos])) pos++
  }
  const readToken = (): string => {
    const start = pos
    while (pos < header.length && TOKEN_CHAR.test(header[pos])) pos++
    return header.slice(start, pos)
  }
  const readQuoted = (): string => {
    let value = ''
    pos++ // opening quote
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === '\\' && pos + 1 < header.length) pos++
      value += header[pos++]
    }
    pos++ // closing quote
    return value
  }

  while (pos < header.length) {
    skip(/[\s,]/)
    const token = readToken()
    if (!token) {
      pos++ // a character no challenge can hold: step over it
      continue
    }
    skip(/\s/)
    const current = challenges[challenges.length - 1]
    if (header[pos] === '=' && current) {
      pos++
      skip(/\s/)
      current.params[token.toLowerCase()] = header[pos] === '"' ? readQuoted() : readToken()
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} })
    }
  }
  return challenges
}
