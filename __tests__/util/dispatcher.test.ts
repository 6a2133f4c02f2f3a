import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { request } from 'undici'
import { proxyAwareDispatcher } from '../../src/util/dispatcher.js'
import { classifyError, describeError } from '../../src/util/errors.js'

/**
 * What goes wrong on the way to a proxy is the proxy's: the proxy-aware dispatcher turns it into a
 * ProxyError (class `proxy`) naming the proxy's host:port, never its credentials. A target reached
 * directly (NO_PROXY) keeps its own classes.
 */
const servers: (Server | ReturnType<typeof createTcpServer>)[] = []

async function listen<T extends Server | ReturnType<typeof createTcpServer>>(server: T): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer()
  const port = await listen(server)
  servers.pop()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A proxy that wants credentials: 407 to plain-HTTP requests and to CONNECT. */
async function demandingProxy(): Promise<number> {
  const server = createServer((_req, res) => res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end())
  server.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'))
  return listen(server)
}

async function failureOf(proxy: { httpProxy?: string; httpsProxy?: string; noProxy?: string }, url: string): Promise<unknown> {
  const dispatcher = proxyAwareDispatcher(proxy, {})
  try {
    const answer = await request(url, { dispatcher, signal: AbortSignal.timeout(5_000) })
    await answer.body.dump()
    return new Error(`answered ${answer.statusCode}`)
  } catch (error) {
    return error
  } finally {
    await dispatcher.destroy()
  }
}

describe('proxyAwareDispatcher', () => {
  it.each([
    ['a plain-HTTP request, asked in absolute form', 'httpProxy', 'http://forge.invalid/repos'],
    ['a tunnel (CONNECT) to an HTTPS target', 'httpsProxy', 'https://forge.invalid/repos']
  ])('a 407 to %s is the proxy asking for credentials', async (_, variable, url) => {
    const port = await demandingProxy()
    const error = await failureOf({ [variable]: `http://127.0.0.1:${port}` }, url)
    expect(classifyError(error)).toBe('proxy')
    expect(describeError(error)).toMatch(
      new RegExp(`^proxy 127\\.0\\.0\\.1:${port} answered 407.*: put its user and password in the proxy variable's URL, before the host \\(user:password@\\)`)
    )
  })

  it.each([
    ['a plain-HTTP request', 'httpProxy', 'http://forge.invalid/repos'],
    ['a tunnel', 'httpsProxy', 'https://forge.invalid/repos']
  ])('a proxy that refuses connections fails %s as proxy, naming it without its credentials', async (_, variable, url) => {
    const port = await closedPort()
    const error = await failureOf({ [variable]: `http://deploy:s3cr3t-proxy-pass@127.0.0.1:${port}` }, url)
    expect(classifyError(error)).toBe('proxy')
    expect(describeError(error)).toBe(
      `proxy 127.0.0.1:${port} could not be connected to (ECONNREFUSED): check that it runs there and that HTTPS_PROXY / HTTP_PROXY name it, or list the host in NO_PROXY to reach it directly`
    )
    expect(describeError(error)).not.toContain('s3cr3t')
  })

  it('a proxy that accepts the connection and resets it before answering is the proxy failing', async () => {
    const server = createTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
    const port = await listen(server)
    const error = await failureOf({ httpProxy: `http://127.0.0.1:${port}` }, 'http://forge.invalid/repos')
    expect(classifyError(error)).toBe('proxy')
    expect(describeError(error)).toMatch(new RegExp(`^proxy 127\\.0\\.0\\.1:${port} reset the connection before answering \\(ECONNRESET\\)`))
  })

  it('a target listed in NO_PROXY is reached directly, and its own refusal stays refused', async () => {
    const [proxyPort, targetPort] = [await demandingProxy(), await closedPort()]
    const error = await failureOf({ httpProxy: `http://127.0.0.1:${proxyPort}`, noProxy: '127.0.0.1' }, `http://127.0.0.1:${targetPort}/buildinfo`)
    expect(classifyError(error)).toBe('refused')
  })

  it('an answer the proxy relays from the target is the target’s (a 502 is not the proxy failing)', async () => {
    const proxy = createServer((_req, res) => res.writeHead(502).end('bad gateway'))
    const port = await listen(proxy)
    const dispatcher = proxyAwareDispatcher({ httpProxy: `http://127.0.0.1:${port}` }, {})
    try {
      const answer = await request('http://forge.invalid/repos', { dispatcher })
      await answer.body.dump()
      expect(answer.statusCode).toBe(502)
    } finally {
      await dispatcher.destroy()
    }
  })
})
