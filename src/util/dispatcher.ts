import type { Socket } from 'node:net'
import { EnvHttpProxyAgent, Pool, type buildConnector, type Dispatcher } from 'undici'
import { ProxyError } from './errors.js'

/**
 * Every HTTP client of a run goes out the way the runner's own tools do: through `HTTPS_PROXY` /
 * `HTTP_PROXY` (either case), except for the hosts in `NO_PROXY`, and directly when none is set.
 * undici's EnvHttpProxyAgent reads those variables when it is built (src/config/proxy.ts validated them
 * with the inputs). Like curl, a plain-HTTP target is asked for in absolute form rather than through a
 * CONNECT tunnel, which proxies commonly allow only to port 443.
 *
 * What goes wrong on the way to a proxy is the proxy's, not the target's: a connection to it that fails
 * (refused, reset, unresolvable, timed out), its 407, a tunnel it refuses. Each ends as a ProxyError
 * naming the proxy (class `proxy`), so a dead or demanding proxy is not taken for the forge, the
 * registry or a tenant blinking.
 */
export function proxyAwareDispatcher(options: EnvHttpProxyAgent.Options = {}, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const routes = proxyRoutes(options, env)
  const byOrigin = new Map([routes.http, routes.https].filter((proxy) => proxy !== undefined).map((proxy) => [proxy.origin, proxy.name]))
  const connectTo = options.factory ?? ((origin: string | URL, opts: object): Dispatcher => new Pool(origin, opts))
  // undici opens a connection to the proxy with `factory` (plain-HTTP targets) or `clientFactory` (tunnels).
  const factory = (origin: string | URL, opts: { connect?: unknown }): Dispatcher => {
    const proxy = byOrigin.get(new URL(origin).origin)
    return connectTo(
      origin,
      proxy && typeof opts.connect === 'function' ? { ...opts, connect: blamingConnector(proxy, opts.connect as buildConnector.connector) } : opts
    )
  }
  const agent = new EnvHttpProxyAgent({ proxyTunnel: false, ...options, factory, clientFactory: factory } as EnvHttpProxyAgent.Options)
  return agent.compose(namingRefusals(routes))
}

interface ProxyRoute {
  readonly origin: string
  /** host:port, never the userinfo. */
  readonly name: string
}

/** The proxy of each scheme, chosen as EnvHttpProxyAgent chooses it (lower case first; HTTPS falls back to HTTP). */
function proxyRoutes(options: EnvHttpProxyAgent.Options, env: NodeJS.ProcessEnv): { readonly http?: ProxyRoute; readonly https?: ProxyRoute } {
  const route = (value: string | undefined): ProxyRoute | undefined => {
    if (!value) return undefined
    const url = new URL(value)
    return { origin: url.origin, name: proxyName(url) }
  }
  const http = route(options.httpProxy ?? env.http_proxy ?? env.HTTP_PROXY)
  return { http, https: route(options.httpsProxy ?? env.https_proxy ?? env.HTTPS_PROXY) ?? http }
}

/** host:port of a proxy URL, the port spelled out even when it is the scheme's default. */
export function proxyName(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`
}

const CHECK_PROXY = 'check that it runs there and that HTTPS_PROXY / HTTP_PROXY name it, or list the host in NO_PROXY to reach it directly'

/** A connection to the proxy that cannot be made is the proxy's failure, whatever the request was for. */
function blamingConnector(proxy: string, connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (error, socket) => {
      if (!error) {
        blameSilentFailures(proxy, socket!)
        return callback(null, socket!)
      }
      const code = (error as { code?: string }).code
      callback(new ProxyError(proxy, `could not be connected to (${code ?? error.message}): ${CHECK_PROXY}`, error), null)
    })
}

/** Errors of connections to a proxy that failed before it sent a byte, with the proxy's name. */
const silentProxyFailures = new WeakMap<Error, string>()

/**
 * A connection the proxy accepted and then reset before answering anything is the proxy refusing to
 * serve. Once it has answered (a tunnel is open, a response came), a failure may be the target's and
 * stays a transport failure, retried as such. Registered before undici's own listener, so the mark is
 * there when the request fails.
 */
function blameSilentFailures(proxy: string, socket: Socket): void {
  socket.on('error', (error) => {
    if (socket.bytesRead === 0) silentProxyFailures.set(error, proxy)
  })
}

// No example URL with credentials: the scrubber drops a URL's userinfo from every message, so it would read wrong.
const CREDENTIALS = "the proxy asks for credentials: put its user and password in the proxy variable's URL, before the host (user:password@), from a secret"

/**
 * undici reports the proxy's own refusals without naming it: a 407 to a plain-HTTP request, and a
 * tunnel answered with anything but 200. A plain-HTTP target goes through the HTTP proxy, a tunnel
 * through the HTTPS one, so the target's scheme says which proxy refused.
 */
function namingRefusals(routes: ReturnType<typeof proxyRoutes>): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const proxy = new URL(String(opts.origin)).protocol === 'https:' ? routes.https : routes.http
    return dispatch(opts, proxy ? new RefusalNamer(proxy.name, handler) : handler)
  }
}

class RefusalNamer implements Dispatcher.DispatchHandler {
  constructor(
    private readonly proxy: string,
    private readonly handler: Dispatcher.DispatchHandler
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context)
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.handler.onRequestUpgrade?.(...args)
  }

  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>): void {
    this.handler.onResponseStart?.(...args)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk)
  }

  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>): void {
    this.handler.onResponseEnd?.(...args)
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError?.(controller, this.named(error))
  }

  private named(error: Error): Error {
    const silent = silentProxyFailures.get(error)
    if (silent)
      return new ProxyError(silent, `reset the connection before answering (${(error as { code?: string }).code ?? error.message}): ${CHECK_PROXY}`, error)
    if (/^Proxy Authentication Required \(407\)$/.test(error.message)) return new ProxyError(this.proxy, `answered 407: ${CREDENTIALS}`, error)
    const tunnel = /^Proxy response \((\d+)\) !== 200 when HTTP Tunneling$/.exec(error.message)
    if (!tunnel) return error
    return new ProxyError(this.proxy, tunnel[1] === '407' ? `answered 407 to a tunnel: ${CREDENTIALS}` : `refused a tunnel (HTTP ${tunnel[1]})`, error)
  }
}

let shared: Dispatcher | null = null

/**
 * The default of the forge, registry and control-plane clients: one per process, so they share its
 * connections. Built on first use; an injected dispatcher (tests, simulation) replaces it.
 */
export function sharedDispatcher(): Dispatcher {
  shared ??= proxyAwareDispatcher()
  return shared
}
