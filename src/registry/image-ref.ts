import { InputError } from '../util/errors.js'

/** Where an image lives: the host the Distribution API is spoken to, the repository path, and how. */
export interface ImageRef {
  /** `host[:port]`, lowercase; Docker Hub's API host when the image names no registry. */
  readonly registry: string
  readonly repository: string
  readonly scheme: 'http' | 'https'
}

const DOCKER_HUB = 'registry-1.docker.io'
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', DOCKER_HUB])
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?'
const HOST = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}))?$`)
/** The distribution reference grammar for one path component. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const MAX_REPOSITORY_LENGTH = 255

/**
 * Splits `image` (`host[:port]/path`, or a Docker Hub name) the way Docker does: the first component is a
 * registry host when it holds a dot or a port, or is `localhost` or a bracketed IPv6 address.
 */
export function parseImageRef(image: string): ImageRef {
  if (image.includes('@')) throw new InputError('image', 'must not include a digest; tags come from target-tag and promote-tag')
  const slash = image.indexOf('/')
  const first = slash > 0 ? image.slice(0, slash) : ''
  const hasHost = first !== '' && (/[.:]/.test(first) || first === 'localhost' || first.startsWith('['))
  const host = hasHost ? first.toLowerCase() : DOCKER_HUB
  let path = hasHost ? image.slice(slash + 1) : image

  const hostMatch = HOST.exec(host)
  if (!hostMatch) throw new InputError('image', `'${host}' is not a valid registry host (host[:port]/path)`)
  const port = hostMatch[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new InputError('image', `registry port ${port} is out of range`)
  }
  const registry = DOCKER_HUB_NAMES.has(host) ? DOCKER_HUB : host
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`

  const components = path.split('/')
  const last = components[components.length - 1]
  if (last.includes(':')) {
    throw new InputError('image', 'must not include a tag; tags come from target-tag and promote-tag')
  }
  if (path.length > MAX_REPOSITORY_LENGTH || !components.every((c) => PATH_COMPONENT.test(c))) {
    throw new InputError('image', `'${image}' is not a valid image name (host[:port]/path, lowercase path components)`)
  }
  return Object.freeze({ registry, repository: path, scheme: isLoopbackHost(registry) ? 'http' : 'https' })
}

/** Loopback registries are spoken to over plain HTTP, as Docker treats them; a port does not matter. */
export function isLoopbackHost(hostWithPort: string): boolean {
  const host = hostWithPort.startsWith('[') ? hostWithPort.slice(0, hostWithPort.indexOf(']') + 1) : hostWithPort.split(':')[0]
  if (host === 'localhost' || host === '[::1]') return true
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255)
}

export function registryBaseUrl(ref: ImageRef): string {
  return `${ref.scheme}://${ref.registry}`
}
