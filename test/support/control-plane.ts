import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A redeploy endpoint on 127.0.0.1: records each POST and runs `onRedeploy` (e.g. to make the fake
 * fleet start reporting the new commit; it may take its time), then answers 202.
 */
export interface ControlPlane {
  readonly url: string
  readonly calls: { path: string; headers: http.IncomingHttpHeaders; body: { tag: string; sha: string; tenants: string[] } }[]
  close(): Promise<void>
}

export async function startControlPlane(onRedeploy: (body: { tag: string; sha: string; tenants: string[] }) => void | Promise<void>): Promise<ControlPlane> {
  const calls: ControlPlane['calls'] = []
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => {
      const body = JSON.parse(text)
      calls.push({ path: req.url ?? '', headers: req.headers, body })
      // A hook that fails answers 500: the test sees a failed redeploy, not an unhandled rejection and a hung request.
      Promise.resolve()
        .then(() => onRedeploy(body))
        .then(
          () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}'),
          (error: unknown) => res.writeHead(500).end(String(error))
        )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
