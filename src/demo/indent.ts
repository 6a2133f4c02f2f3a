import type { OutputStream } from '../cli/terminal.js'

/**
 * A stream that prefixes every line, so a run's own output sits visibly inside the narration. Cursor
 * movements the live block writes at a line's start stay in front of the prefix, so redraws still work.
 */
export function indented(stream: OutputStream, prefix: string): OutputStream {
  return {
    write: (text: string) =>
      // eslint-disable-next-line no-control-regex
      stream.write(text.replace(/(^|\n)((?:\u001b\[[0-9;]*[A-Za-z]|\r)*)(?=[^\n\r\u001b])/g, `$1$2${prefix}`)),
    get isTTY() {
      return stream.isTTY
    },
    get columns() {
      return (stream.columns || 80) - prefix.length
    }
  }
}
