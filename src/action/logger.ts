import * as core from '@actions/core'
import type { Logger } from '../types.js'
import { neutralize } from '../util/sanitize.js'

/**
 * The core's Logger on top of the runner's log: errors and warnings become annotations. Every line
 * passes the boundary once more, uncut: no secret and no workflow command reaches the log through it.
 */
const line = (message: string): string => neutralize(message, Number.POSITIVE_INFINITY)

export const actionsLogger: Logger = {
  info: (message) => core.info(line(message)),
  warning: (message) => core.warning(line(message)),
  error: (message) => core.error(line(message)),
  group: (title, body) => core.group(line(title), body)
}
