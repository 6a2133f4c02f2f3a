import { scrubSecrets } from './scrub.js'

/**
 * Remote text (tenant bodies, control-plane, registry and forge error bodies, command output, input
 * values echoed in an error) is untrusted. It passes through here, the one boundary, before it
 * reaches any sink: every secret the run knows is removed first (src/util/scrub.ts), then anything
 * the runner would read as a workflow command is defused (the runner parses any line of stdout that
 * starts with `::`, and the legacy `##[`, so a body could add masks, set outputs or stop command
 * processing), and only then is the text cut, so a cut never leaves half a secret behind.
 */
const MAX_REMOTE_TEXT = 512

export function neutralize(text: string, max = MAX_REMOTE_TEXT): string {
  const oneLine = defuseCommands(scrubSecrets(text))
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
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
