import { scrubSecrets, scrubSecretsOfPrefix } from './scrub.js'

/**
 * Remote text (tenant bodies, control-plane, registry and forge error bodies, command output, input
 * values echoed in an error) is untrusted. It passes through here, the one boundary, before it
 * reaches any sink: every secret the run knows is removed first (src/util/scrub.ts), then anything
 * the runner would read as a workflow command is defused (the runner parses any line of stdout that
 * starts with `::`, and the legacy `##[`, so a body could add masks, set outputs or stop command
 * processing), and only then is the text cut, so a cut never leaves half a secret behind. Nothing
 * else in the code shortens remote or error text.
 */
const MAX_REMOTE_TEXT = 512
/** How much of a body is kept to be quoted in an error: far more than any message shows, read to bound memory only. */
const REMOTE_READ_BYTES = 64 * 1024

/** The beginning of a body read for what it says, and whether it is the whole body. */
export interface RemoteText {
  readonly text: string
  readonly complete: boolean
}

/** Scrubbed, defused, one line, at most `max` characters and an ellipsis. A body read in part ends in one. */
export function neutralize(text: string | RemoteText, max = MAX_REMOTE_TEXT): string {
  const partial = typeof text !== 'string' && !text.complete
  const scrubbed = typeof text === 'string' ? scrubSecrets(text) : partial ? scrubSecretsOfPrefix(text.text) : scrubSecrets(text.text)
  const oneLine = defuseCommands(scrubbed)
  return oneLine.length > max || partial ? `${oneLine.slice(0, max)}…` : oneLine
}

/** Text in a column `width` characters wide: neutralized whole, then cut to fit with an ellipsis. */
export function fitColumn(text: string, width: number): string {
  const safe = neutralize(text, Number.POSITIVE_INFINITY)
  return safe.length > width ? `${safe.slice(0, width - 1)}…` : safe
}

/**
 * Reads at most `maxBytes` of a body (the rest is never read: leaving the loop cancels the stream).
 * Its text is only ever quoted through `neutralize`, which scrubs it whole and, when it is not the whole
 * body, drops the tail where a secret cut by this bound could begin.
 */
export async function readRemoteText(body: AsyncIterable<Uint8Array>, maxBytes = REMOTE_READ_BYTES): Promise<RemoteText> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size > maxBytes) break
  }
  const bytes = Buffer.concat(chunks)
  return { text: bytes.subarray(0, maxBytes).toString('utf8'), complete: bytes.length <= maxBytes }
}

/** One line that no runner reads as a workflow command; nothing is removed but what would break it. */
function defuseCommands(text: string): string {
  return (
    text
      .replace(/\r\n?|\n/g, ' ')
      // Other control characters (ESC sequences, NUL, …) have no business in a log line.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/::/g, ':\u200b:')
      .replace(/##\[/g, '#\u200b#[')
  )
}
