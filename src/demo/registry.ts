import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { REVISION_KEY } from '../registry/revision.js'
import { OCI_CONFIG, OCI_MANIFEST } from '../registry/media-types.js'
import { sendJson, startLocalServer, type LocalServer } from './http.js'
import { shortSha } from '../util/sha.js'

/**
 * A minimal OCI registry for the demo, anonymous, one repository: the Distribution API calls a
 * promotion makes (`/v2/`, GET/HEAD/PUT `/v2/<name>/manifests/<ref>`, GET `/v2/<name>/blobs/<digest>`).
 * Each image is an OCI manifest whose config carries the commit in the
 * `org.opencontainers.image.revision` label, as docker/metadata-action writes it.
 */
export interface TagState {
  readonly digest: string
  readonly revision: string | null
}

const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'

export class SimulatedRegistry {
  /** Manifest PUTs received: a run that must touch nothing leaves this unchanged. */
  writes = 0
  private readonly blobs = new Map<string, Buffer>()
  private readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>()
  private readonly tags = new Map<string, string>()
  private server: LocalServer | null = null

  constructor(readonly repository: string) {}

  /** `127.0.0.1:<port>/<repository>`: the value of the `image` input. */
  get image(): string {
    return `${this.server ? new URL(this.server.origin).host : '127.0.0.1'}/${this.repository}`
  }

  /** Stores an image built from `revision` under `tag`. */
  addImage(tag: string, revision: string): string {
    const config = this.putBlob(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { [REVISION_KEY]: revision, 'org.opencontainers.image.version': tag } },
        rootfs: { type: 'layers', diff_ids: [] }
      })
    )
    const layer = this.putBlob(`layer of ${tag}`)
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: [{ mediaType: LAYER, digest: layer.digest, size: layer.size }]
      })
    )
    const digest = digestOf(manifest)
    this.manifests.set(digest, { bytes: manifest, mediaType: OCI_MANIFEST })
    this.tags.set(tag, digest)
    return digest
  }

  /** Points `tag` at the manifest `source` points at (how :latest starts out). */
  retag(tag: string, source: string): void {
    const digest = this.tags.get(source)
    if (!digest) throw new Error(`no tag ${source}`)
    this.tags.set(tag, digest)
  }

  /** What a tag points at now, read from the store (not through the API the runs use). */
  tagState(tag: string): TagState | null {
    const digest = this.tags.get(tag)
    if (!digest) return null
    const manifest = JSON.parse(this.manifests.get(digest)!.bytes.toString('utf8')) as { config?: { digest?: string } }
    const config = manifest.config?.digest ? this.blobs.get(manifest.config.digest) : undefined
    const labels = config ? (JSON.parse(config.toString('utf8')) as { config?: { Labels?: Record<string, string> } }).config?.Labels : undefined
    return { digest, revision: labels?.[REVISION_KEY] ?? null }
  }

  /** `latest → staging-7f25373 (sha256:…, commit 7f25373)`: a tag as a person wants to read it. */
  describeTag(tag: string): string {
    const state = this.tagState(tag)
    if (!state) return `${tag} → nothing (absent)`
    const twin = [...this.tags].find(([name, digest]) => name !== tag && digest === state.digest)?.[0]
    const commit = state.revision ? `commit ${shortSha(state.revision)}` : 'no recorded commit'
    return `${tag} → ${twin ?? 'an untagged manifest'} (${state.digest.slice(0, 19)}…, ${commit})`
  }

  async start(): Promise<void> {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res))
  }

  async close(): Promise<void> {
    await this.server?.close()
  }

  private putBlob(text: string): { digest: string; size: number } {
    const bytes = Buffer.from(text)
    const digest = digestOf(bytes)
    this.blobs.set(digest, bytes)
    return { digest, size: bytes.length }
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const method = req.method ?? 'GET'
    const api = { 'docker-distribution-api-version': 'registry/2.0' }
    if (path === '/v2/' || path === '/v2') return sendJson(res, 200, {}, api)

    const manifestPath = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path)
    const blobPath = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path)
    const name = manifestPath?.[1] ?? blobPath?.[1]
    if (name !== this.repository) return sendJson(res, 404, errors('NAME_UNKNOWN', 'repository name not known to registry'), api)

    if (blobPath && method === 'GET') {
      const blob = this.blobs.get(blobPath[2])
      if (!blob) return sendJson(res, 404, errors('BLOB_UNKNOWN', 'blob unknown to registry'), api)
      return void res.writeHead(200, { ...api, 'content-type': 'application/octet-stream', 'docker-content-digest': blobPath[2] }).end(blob)
    }
    if (manifestPath && (method === 'GET' || method === 'HEAD')) {
      const reference = manifestPath[2]
      const digest = reference.startsWith('sha256:') ? reference : this.tags.get(reference)
      const manifest = digest ? this.manifests.get(digest) : undefined
      if (!digest || !manifest) return sendJson(res, 404, errors('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`), api)
      res.writeHead(200, { ...api, 'content-type': manifest.mediaType, 'content-length': manifest.bytes.length, 'docker-content-digest': digest })
      return void res.end(method === 'HEAD' ? undefined : manifest.bytes)
    }
    if (manifestPath && method === 'PUT') {
      this.writes++
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim()
      const digest = digestOf(body)
      this.manifests.set(digest, { bytes: body, mediaType })
      this.tags.set(manifestPath[2], digest)
      return void res.writeHead(201, { ...api, 'docker-content-digest': digest, location: `/v2/${name}/manifests/${digest}` }).end()
    }
    sendJson(res, 405, errors('UNSUPPORTED', 'the operation is unsupported'), api)
  }
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function errors(code: string, message: string): unknown {
  return { errors: [{ code, message, detail: null }] }
}
