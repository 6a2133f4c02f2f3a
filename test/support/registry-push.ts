/**
 * Pushes tiny images to the test registry through the Distribution HTTP API (monolithic blob upload,
 * manifest PUT), and reads tags back independently of the client under test.
 */
import { createHash, randomUUID } from 'node:crypto'
import { request } from 'undici'
import { DOCKER_CONFIG, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, MANIFEST_ACCEPT, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from '../../src/registry/media-types.js'
import type { RunningRegistry } from './registry.js'

export const REVISION_KEY = 'org.opencontainers.image.revision'

export interface PushImageOptions {
  repository: string
  tag: string
  /** Commit recorded in the image; null/absent records none. */
  revision?: string | null
  /** Where the revision is recorded: the config's Labels (default) or the manifest's/index's annotations (OCI only). */
  revisionIn?: 'config' | 'annotation'
  format?: 'oci' | 'docker'
  /** Push an index (manifest list) of two platform images instead of one manifest. */
  index?: boolean
}

/** A manifest as stored: its digest, media type and exact bytes. */
export interface StoredManifest {
  digest: string
  mediaType: string
  bytes: Buffer
}

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' }
]

export async function pushImage(registry: RunningRegistry, options: PushImageOptions): Promise<StoredManifest> {
  const format = options.format ?? 'oci'
  const revisionIn = options.revisionIn ?? 'config'
  if (format === 'docker' && revisionIn === 'annotation') throw new Error('Docker schema 2 manifests have no annotations')
  const annotations = options.revision && revisionIn === 'annotation' ? { [REVISION_KEY]: options.revision } : undefined
  const labelled = revisionIn === 'config' ? (options.revision ?? null) : null

  if (!options.index) {
    const image = await pushPlatformImage(registry, options.repository, format, labelled, PLATFORMS[0], annotations)
    await putManifest(registry, options.repository, options.tag, image)
    return image
  }
  const children: StoredManifest[] = []
  for (const platform of PLATFORMS) {
    const child = await pushPlatformImage(registry, options.repository, format, labelled, platform, undefined)
    await putManifest(registry, options.repository, child.digest, child)
    children.push(child)
  }
  const mediaType = format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST
  const index = manifestOf(mediaType, {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((child, i) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
      platform: PLATFORMS[i]
    })),
    ...(annotations ? { annotations } : {})
  })
  await putManifest(registry, options.repository, options.tag, index)
  return index
}

/** What a tag points at, read with a plain GET (null when absent). */
export async function readTag(registry: RunningRegistry, repository: string, tag: string): Promise<StoredManifest | null> {
  const res = await api(registry, repository, 'GET', `/v2/${repository}/manifests/${tag}`, { accept: MANIFEST_ACCEPT })
  if (res.status === 404) return null
  if (res.status !== 200) throw new Error(`GET ${repository}:${tag} answered ${res.status}: ${res.bytes.toString()}`)
  return { digest: String(res.headers['docker-content-digest']), mediaType: String(res.headers['content-type']), bytes: res.bytes }
}

/** Points `tag` at a manifest (what another writer does). */
export async function putManifest(registry: RunningRegistry, repository: string, tag: string, manifest: StoredManifest): Promise<void> {
  const res = await api(registry, repository, 'PUT', `/v2/${repository}/manifests/${tag}`, { 'content-type': manifest.mediaType }, manifest.bytes)
  if (res.status !== 201) throw new Error(`PUT ${repository}:${tag} answered ${res.status}: ${res.bytes.toString()}`)
  if (res.headers['docker-content-digest'] !== manifest.digest) throw new Error(`PUT ${repository}:${tag} stored another digest`)
}

async function pushPlatformImage(
  registry: RunningRegistry,
  repository: string,
  format: 'oci' | 'docker',
  revision: string | null,
  platform: { os: string; architecture: string },
  annotations: Record<string, string> | undefined
): Promise<StoredManifest> {
  // A unique layer per push, so every image has its own digest even for the same commit.
  const layer = Buffer.from(`layer ${repository} ${randomUUID()}`)
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      config: { Labels: revision ? { [REVISION_KEY]: revision, 'org.opencontainers.image.title': repository } : {} },
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] }
    })
  )
  await pushBlob(registry, repository, config)
  await pushBlob(registry, repository, layer)
  const mediaType = format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST
  return manifestOf(mediaType, {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: format === 'oci' ? OCI_CONFIG : DOCKER_CONFIG, digest: sha256(config), size: config.length },
    layers: [
      {
        mediaType: format === 'oci' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        digest: sha256(layer),
        size: layer.length
      }
    ],
    ...(annotations ? { annotations } : {})
  })
}

/** Monolithic upload: POST opens an upload session, PUT with `?digest=` sends the whole blob and closes it. */
async function pushBlob(registry: RunningRegistry, repository: string, bytes: Buffer): Promise<void> {
  const start = await api(registry, repository, 'POST', `/v2/${repository}/blobs/uploads/`, {})
  if (start.status !== 202) throw new Error(`blob upload to ${repository} answered ${start.status}: ${start.bytes.toString()}`)
  const location = new URL(String(start.headers.location), `http://${registry.host}`)
  location.searchParams.set('digest', sha256(bytes))
  const done = await api(registry, repository, 'PUT', `${location.pathname}${location.search}`, { 'content-type': 'application/octet-stream' }, bytes)
  if (done.status !== 201) throw new Error(`blob upload to ${repository} answered ${done.status}: ${done.bytes.toString()}`)
}

async function api(
  registry: RunningRegistry,
  repository: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  headers: Record<string, string>,
  body?: Buffer
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  const authorization = registry.pushAuthorization(repository)
  const res = await request(`http://${registry.host}${path}`, {
    method,
    headers: { ...headers, ...(authorization ? { authorization } : {}) },
    body,
    dispatcher: registry.agent
  })
  return { status: res.statusCode, headers: res.headers, bytes: Buffer.from(await res.body.arrayBuffer()) }
}

function manifestOf(mediaType: string, document: unknown): StoredManifest {
  const bytes = Buffer.from(JSON.stringify(document, null, 2))
  return { digest: sha256(bytes), mediaType, bytes }
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}
