import type { ForgeKind } from '../forge/types.js'
import { InputError } from '../util/errors.js'

/** `auto` picks Gitea when act_runner says so (GITEA_ACTIONS) or the API URL is Gitea's `/api/v1`. */
export function detectForgeKind(kind: 'auto' | ForgeKind, context: { readonly apiUrl: string; readonly giteaActions: boolean }): ForgeKind {
  if (kind !== 'auto') return kind
  if (context.giteaActions || /\/api\/v1\/?$/.test(context.apiUrl)) return 'gitea'
  return 'github'
}

const GITHUB_HOST = 'github.com'

/**
 * The API root of the forge at `serverUrl`, so the token goes to the forge it belongs to and nowhere
 * else: github.com → api.github.com, GHE.com (`<name>.ghe.com`) → api.<name>.ghe.com, GitHub
 * Enterprise Server → <server>/api/v3, Gitea → <server>/api/v1.
 */
export function apiUrlOfServer(kind: ForgeKind, serverUrl: string): string {
  const server = new URL(serverUrl)
  const root = serverUrl.replace(/\/+$/, '')
  if (kind === 'gitea') {
    if (server.host === GITHUB_HOST) {
      throw new InputError('GITHUB_SERVER_URL', 'forge gitea needs the Gitea server URL to find its API (CLI: --server-url)')
    }
    return `${root}/api/v1`
  }
  if (server.host === GITHUB_HOST) return 'https://api.github.com'
  if (server.host.endsWith('.ghe.com')) return `${server.protocol}//api.${server.host}`
  return `${root}/api/v3`
}

/**
 * A server URL and an API URL given together must name one forge: the API on the server's own host,
 * or on its `api.` host (github.com, GHE.com). Anything else would send the token to another host.
 */
export function checkApiUrlOnServer(apiUrl: string, serverUrl: string): void {
  const api = new URL(apiUrl)
  const server = new URL(serverUrl)
  if (api.protocol === server.protocol && (api.host === server.host || api.host === `api.${server.host}`)) return
  throw new InputError(
    'GITHUB_API_URL',
    `${api.origin} is not the API of the forge at ${server.origin}: the token would go to another host; pass that forge's API URL, or leave it unset to derive it from the server URL (CLI: --api-url)`
  )
}
