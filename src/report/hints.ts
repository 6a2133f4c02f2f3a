import type { TenantState } from '../types.js'

/** What to do about a tenant in each state and error class: one short, specific line. */
const UNREACHABLE_HINTS: Readonly<Record<string, string>> = {
  dns: 'its host name does not resolve: check the tenant URL and its DNS record',
  refused: 'connection refused: check the service is running and listening on that port',
  connect_timeout: 'no answer to connect: check the host is up and a firewall lets the runner in',
  reset: 'connection reset: check the service and any proxy or load balancer in front of it',
  deadline: 'answered too slowly: check the service is not overloaded or hanging',
  too_large: 'the buildinfo body is too large: check the URL points at the buildinfo endpoint',
  tls: 'TLS handshake failed: check its certificate (expiry, host name, chain)',
  redirect: 'the buildinfo URL redirects: point the tenant at the final address',
  http_4xx: 'buildinfo answered 4xx: check the buildinfo path and that it needs no login',
  http_5xx: 'buildinfo answered 5xx: the service is failing, check its logs',
  rate_limited: 'rate limited (429): let the runner through or poll less often',
  bad_payload: 'buildinfo carried no commit: check what the endpoint returns',
  proxy: 'the proxy failed the probe (see the run log): check HTTPS_PROXY / HTTP_PROXY and its credentials, or list the tenant host in NO_PROXY'
}

export function hintFor(state: TenantState, errorClass: string | null, regressed = false): string {
  switch (state) {
    case 'stale':
      return regressed
        ? 'reported the new commit, then went back to an older one: check for a crash loop or something rolling it back'
        : 'did not pick up the new image: check its rollout / restart it'
    case 'unreachable':
      return (errorClass && UNREACHABLE_HINTS[errorClass]) || 'could not be read: see the run log for the error'
    case 'unhealthy':
      return 'runs the new commit but its health check does not pass: check its logs and what the health path depends on'
    case 'not_attempted':
      return 'not touched: an earlier wave halted'
    case 'pending':
      return 'not verified: the run ended before reading it'
    default:
      return ''
  }
}
