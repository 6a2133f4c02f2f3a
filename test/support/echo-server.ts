import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A hostile server on 127.0.0.1 for the secrets tests: it answers every request with whatever
 * `answer` builds from it, typically echoing the Authorization header it was sent (as real control
 * planes and registries have done) next to other secret-looking text.
 */
export interface EchoAnswer {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body: string
}

export interface EchoServer {
  readonly url: string
  /** host:port, for an image reference. */
  readonly host: string
  readonly requests: { method: string; path: string; authorization: string | undefined }[]
  close(): Promise<void>
}

export async function startEchoServer(answer: (req: http.IncomingMessage, host: string) => EchoAnswer): Promise<EchoServer> {
  const requests: EchoServer['requests'] = []
  let host = ''
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization })
      const { status, headers, body } = answer(req, host)
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `http://${host}`,
    host,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
