import { EnvHttpProxyAgent, type Dispatcher } from 'undici'

/**
 * Every HTTP client of a run goes out the way the runner's own tools do: through `HTTPS_PROXY` /
 * `HTTP_PROXY` (either case), except for the hosts in `NO_PROXY`, and directly when none is set.
 * undici's EnvHttpProxyAgent reads those variables when it is built. Like curl, a plain-HTTP target is
 * asked for in absolute form rather than through a CONNECT tunnel, which proxies commonly allow only
 * to port 443.
 */
export function proxyAwareDispatcher(options: EnvHttpProxyAgent.Options = {}): Dispatcher {
  return new EnvHttpProxyAgent({ proxyTunnel: false, ...options })
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
