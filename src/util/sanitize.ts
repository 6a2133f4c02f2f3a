/**
 * Remote text (tenant bodies, error bodies, registry messages) is untrusted: the runner parses any
 * line of stdout that starts with `::` (and the legacy `##[`) as a workflow command, so a body could
 * add masks, set outputs or stop command processing. Everything remote passes through here before
 * it is logged or put in a record.
 */
const MAX_REMOTE_TEXT = 512

export function neutralize(text: string, max = MAX_REMOTE_TEXT): string {
  const oneLine = text
    .replace(/\r\n?|\n/g, ' ')
    // Other control characters (ESC sequences, NUL, …) have no business in a log line.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/::/g, ':\u200b:')
    .replace(/##\[/g, '#\u200b#[')
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}
