import { isCommitSha } from '../util/sha.js'
import type { Descriptor, Manifest, RegistryClient } from './client.js'
import { isImageConfigMediaType, isIndexMediaType } from './media-types.js'

/** The label/annotation docker/metadata-action and `docker buildx` write with the source commit. */
export const REVISION_KEY = 'org.opencontainers.image.revision'

/** Image configs are small JSON documents; the limit only stops a runaway download. */
const CONFIG_MAX_BYTES = 8 * 1024 * 1024

/**
 * The commit an image was built from: the manifest's (or index's) annotation, else the image config's
 * label; for an index, of its first platform manifest. Null when none records a commit SHA — a value
 * such as `v1.2` proves nothing about ancestry, so it counts as absent.
 */
export async function readRevision(client: RegistryClient, manifest: Manifest): Promise<string | null> {
  const annotated = revisionIn(manifest.document.annotations)
  if (annotated) return annotated
  if (isIndexMediaType(manifest.mediaType)) {
    const platform = firstPlatformManifest(manifest.document.manifests ?? [])
    if (!platform?.digest) return null
    const child = await client.getManifest(platform.digest)
    // Nested indexes are not followed: platform images are what builders label.
    return isIndexMediaType(child.mediaType) ? null : readRevision(client, child)
  }
  return configRevision(client, manifest.document.config)
}

/** Skips the attestation manifests buildx adds to an index (platform `unknown/unknown`). */
function firstPlatformManifest(manifests: Descriptor[]): Descriptor | undefined {
  return manifests.find((d) => d.platform?.os !== 'unknown' && d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
}

async function configRevision(client: RegistryClient, config: Descriptor | undefined): Promise<string | null> {
  if (!config?.digest || !config.mediaType || !isImageConfigMediaType(config.mediaType)) return null
  const bytes = await client.getBlob(config.digest, CONFIG_MAX_BYTES)
  let parsed: { config?: { Labels?: unknown } }
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    return null
  }
  return revisionIn(parsed?.config?.Labels)
}

function revisionIn(map: unknown): string | null {
  const value = map && typeof map === 'object' ? (map as Record<string, unknown>)[REVISION_KEY] : undefined
  if (typeof value !== 'string') return null
  const sha = value.trim()
  return isCommitSha(sha) ? sha.toLowerCase() : null
}
