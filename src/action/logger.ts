import * as core from '@actions/core'
import type { Logger } from '../core/types.js'

/** The core's Logger on top of the runner's log: errors and warnings become annotations. */
export const actionsLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  group: (title, body) => core.group(title, body)
}
