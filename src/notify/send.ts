import { request, type Dispatcher } from 'undici'
import type { NotifySettings } from '../config/settings.js'
import type { Logger } from '../types.js'
import type { RunRecord } from '../stages/record.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { classifyError } from '../util/errors.js'
import { neverReachedServer } from '../util/retry-policy.js'
import { renderNotification } from './formats.js'
import { notificationOf, wantsNotification } from './message.js'

/** Each attempt's deadline for the answer's headers and body. */
const REQUEST_TIMEOUT_MS = 10_000

export interface NotifyDeps {
  readonly log: Logger
  /** The run's dispatcher (proxy-aware by default; tests inject one). */
  readonly dispatcher?: Dispatcher
}

/**
 * One message per run, after the record is published (docs/contract.md, Notifications). It never
 * changes the run's result: a notification that cannot be sent is a warning. The POST is sent a second
 * time only when the first provably never reached the receiver (DNS, connection refused, connect
 * timeout): a chat message sent twice is noise, one that may have arrived is not resent.
 */
export async function notifyRun(record: RunRecord, settings: NotifySettings | null, deps: NotifyDeps): Promise<void> {
  if (!settings || !wantsNotification(record, settings.on)) return
  const body = renderNotification(notificationOf(record), settings.format)
  const endpoint = `notify-url (${settings.format})`
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const res = await request(settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'fleet-forward' },
        body,
        dispatcher: deps.dispatcher ?? sharedDispatcher(),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS
      })
      // The receiver's answer is not ours to show: its status says enough.
      await res.body.dump()
      if (res.statusCode >= 200 && res.statusCode < 300) deps.log.info(`notified ${endpoint}: ${record.result}`)
      else deps.log.warning(`could not notify ${endpoint}: it answered HTTP ${res.statusCode}; the run's result stands`)
      return
    } catch (error) {
      const errorClass = classifyError(error)
      if (attempt === 1 && neverReachedServer(errorClass)) continue
      deps.log.warning(`could not notify ${endpoint} (${errorClass}, after ${attempt} attempt(s)); the run's result stands`)
      return
    }
  }
}
