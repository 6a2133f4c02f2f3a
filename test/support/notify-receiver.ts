import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local chat webhook for the notification tests: it keeps every POST (path and parsed JSON body) and
 * answers `status`; `drop` makes it close the connection after reading a request, without answering
 * (the POST reached it, so it must not be resent).
 */
export interface NotifyReceiver {
  readonly url: string
  readonly received: { path: string; body: unknown; raw: string }[]
  status: number
  drop: boolean
  close(): Promise<void>
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const receiver: NotifyReceiver = {
    url: '',
    received: [],
    status: 200,
    drop: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk) => (raw += chunk))
    req.on('end', () => {
      receiver.received.push({ path: req.url ?? '', body: JSON.parse(raw), raw })
      if (receiver.drop) req.socket.destroy()
      else res.writeHead(receiver.status, { 'content-type': 'text/plain' }).end('<!channel> ::error::from the receiver')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  return receiver
}
