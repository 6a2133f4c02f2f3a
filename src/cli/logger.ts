import type { Logger } from '../types.js'
import type { RoundProgress } from './progress.js'
import type { Terminal } from './terminal.js'

/** The core's Logger on a terminal: plain prefixed lines, no workflow commands (this is not Actions). */
export function terminalLogger(term: Terminal, progress?: RoundProgress): Logger {
  return {
    info: (message) => {
      if (!progress?.isShownInBlock(message)) term.line(message)
    },
    warning: (message) => term.line(`warning: ${message}`),
    error: (message) => term.line(`error: ${message}`),
    group: async (title, body) => {
      term.line(title)
      return body()
    }
  }
}
