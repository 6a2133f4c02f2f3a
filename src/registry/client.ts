import { createHash } from 'node:crypto'
import { FleetError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { RegistryError } from './errors.js'
import { headerValue, type ExchangeResult } from './http.js'
import type { ImageRef } from './image-ref.js'
import { MANIFEST_ACCEPT, MANIFEST_MEDIA_TYPES } from './media-types.js'
import { RegistryTransport, type TransportOptions } from './transport.js'

/** An OCI descriptor as it appears in manifests and indexes. */
export interface Descriptor {
  mediaType?: string
  digest?: string
  size?: number
  platform?: { os?: string; architecture?: string }
  annotations?: Record<string, string>
}

/** The fields of an image manifest or index the promotion reads. */
export interface ManifestDocument {
  schemaVersion?: number
  mediaType?: string
  config?: Descriptor
  layers?: Descriptor[]
  manifests?: Descriptor[]
  annotations?: Record<string, string>
}

/** A manifest exactly as the registry stores it: copying it means sending these bytes with this media type. */
export interface Manifest {
  /** Digest of `bytes`, computed here and checked against the registry's Docker-Content-Digest. */
  readonly digest: string
  readonly mediaType: string
  readonly bytes: Buffer
  readonly document: ManifestDocument
}

/** The Distribution API's own limit on a manifest's size. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/

/** Manifests and blobs of one repository, through the OCI Distribution API. */
export class RegistryClient {
  private readonly transport: RegistryTransport

  constructor(
    readonly ref: ImageRef,
    options: TransportOptions
  ) {
    this.transport = new RegistryTransport(ref, options)
  }

  /** `registry/repository:tag` or `registry/repository@digest`, the name errors and logs use. */
  describe(reference: string): string {
    return `${this.ref.registry}/${this.ref.repository}${DIGEST.test(reference) ? '@' : ':'}${reference}`
  }

  /** The manifest a tag or digest names; MANIFEST_UNKNOWN (naming image:tag and registry) when absent. */
  async getManifest(reference: string): Promise<Manifest> {
    const res = await this.transport.send(this.manifestRequest('GET', reference, false))
    return this.readManifest(reference, res)
  }

  /** Like getManifest, but null when the tag does not exist. */
  async findManifest(reference: string): Promise<Manifest | null> {
    const res = await this.transport.send(this.manifestRequest('GET', reference, true))
    return res.status === 404 ? null : this.readManifest(reference, res)
  }

  /** Digest a tag points at now, without downloading the manifest where the registry says it; null when absent. */
  async headDigest(reference: string): Promise<string | null> {
    const res = await this.transport.send(this.manifestRequest('HEAD', reference, true))
    if (res.status === 404) return null
    const digest = headerValue(res.headers, 'docker-content-digest')
    if (digest && DIGEST.test(digest)) return digest
    return (await this.findManifest(reference))?.digest ?? null
  }

  /** Writes the manifest's exact bytes under `tag` and checks the registry stored that digest. */
  async putManifest(tag: string, manifest: Manifest): Promise<void> {
    const target = this.describe(checkReference(tag, this.describe(tag)))
    const res = await this.transport.send({
      method: 'PUT',
      path: `/v2/${this.ref.repository}/manifests/${tag}`,
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
      maxBytes: MANIFEST_MAX_BYTES,
      target,
      action: 'push'
    })
    const stored = headerValue(res.headers, 'docker-content-digest')
    if (stored && stored !== manifest.digest) {
      throw new FleetError(
        `${target}: registry ${this.ref.registry} stored digest ${neutralize(stored, 200)} for a manifest whose digest is ${manifest.digest}`,
        'bad_payload',
        target
      )
    }
  }

  /** A blob's bytes, checked against its digest. */
  async getBlob(digest: string, maxBytes: number): Promise<Buffer> {
    const target = this.describe(checkReference(digest, this.describe(digest)))
    const res = await this.transport.send({
      method: 'GET',
      path: `/v2/${this.ref.repository}/blobs/${digest}`,
      maxBytes,
      target,
      action: 'pull',
      followRedirects: true
    })
    if (digestOf(res.body, digest) !== digest) {
      throw new FleetError(`${target}: blob content does not match its digest`, 'bad_payload', target)
    }
    return res.body
  }

  private manifestRequest(method: 'GET' | 'HEAD', reference: string, notFoundIsAnswer: boolean) {
    return {
      method,
      path: `/v2/${this.ref.repository}/manifests/${checkReference(reference, this.describe(reference))}`,
      headers: { accept: MANIFEST_ACCEPT },
      maxBytes: MANIFEST_MAX_BYTES,
      target: this.describe(reference),
      action: 'pull' as const,
      notFoundIsAnswer
    }
  }

  private readManifest(reference: string, res: ExchangeResult): Manifest {
    const target = this.describe(reference)
    const bad = (problem: string): FleetError => new FleetError(`${target}: ${problem}`, 'bad_payload', target)
    let document: ManifestDocument
    try {
      document = JSON.parse(res.body.toString('utf8'))
    } catch {
      throw bad('manifest is not JSON')
    }
    if (!document || typeof document !== 'object' || Array.isArray(document)) throw bad('manifest is not a JSON object')

    const contentType = headerValue(res.headers, 'content-type')?.split(';')[0].trim() ?? ''
    const mediaType = MANIFEST_MEDIA_TYPES.includes(contentType) ? contentType : document.mediaType
    if (!mediaType || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
      throw new RegistryError(
        `${target}: unsupported manifest type '${neutralize(contentType || String(document.mediaType), 200)}'; expected an OCI or Docker schema 2 manifest or index`,
        'registry',
        target,
        null,
        res.status
      )
    }

    const digest = digestOf(res.body, 'sha256:')
    const announced = headerValue(res.headers, 'docker-content-digest')
    if (announced?.startsWith('sha256:') && announced !== digest) {
      throw bad(`registry announced digest ${neutralize(announced, 200)} but the bytes hash to ${digest}`)
    }
    if (DIGEST.test(reference) && digestOf(res.body, reference) !== reference) {
      throw bad('manifest content does not match the digest it was asked by')
    }
    return { digest, mediaType, bytes: res.body, document }
  }
}

/** Digest of `bytes` with the algorithm named by `like` (`sha256:…` or `sha512:…`). */
export function digestOf(bytes: Buffer, like: string): string {
  const algorithm = like.startsWith('sha512:') ? 'sha512' : 'sha256'
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
}

/** Tags and digests go into URL paths: anything else is refused before a request is made. */
function checkReference(reference: string, subject: string): string {
  if (TAG.test(reference) || DIGEST.test(reference)) return reference
  throw new FleetError(`${subject}: '${reference}' is neither a valid tag nor a digest`, 'input', subject)
}
