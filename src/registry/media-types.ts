/** Manifest and config media types the promotion understands (OCI and Docker schema 2). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'

export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'

export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST]
/** Sent on every manifest read so the registry never converts what it stores into another schema. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ')

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST
}

export function isImageConfigMediaType(mediaType: string): boolean {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG
}
