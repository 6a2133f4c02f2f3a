import { RegistryClient } from '../../src/registry/client.js'
import { RegistryError } from '../../src/registry/errors.js'
import { parseImageRef } from '../../src/registry/image-ref.js'
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../src/registry/media-types.js'
import { readRevision } from '../../src/registry/revision.js'
import { FleetError } from '../../src/util/errors.js'
import { pushImage, readTag } from '../../test/support/registry-push.js'
import { recordingDispatcher, startRegistry, steppingClock, type RecordingDispatcher, type RunningRegistry } from '../../test/support/registry.js'

const SHA_A = '7a72516c3f0e6d2b9a8f4e1d0c9b8a7f6e5d4c3b'
const USER = { username: 'deployer', password: 'correct-horse-battery' }

function clientFor(registry: RunningRegistry, repository: string, recorder: RecordingDispatcher, credentials?: typeof USER) {
  return new RegistryClient(parseImageRef(`${registry.host}/${repository}`), {
    credentials,
    clock: steppingClock(),
    dispatcher: recorder.dispatcher
  })
}

function sortActions(scope: string): string {
  const cut = scope.lastIndexOf(':')
  return `${scope.slice(0, cut)}:${scope
    .slice(cut + 1)
    .split(',')
    .sort()
    .join(',')}`
}

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise
  } catch (error) {
    return error as RegistryError
  }
  throw new Error('expected a rejection')
}

describe('RegistryClient against docker-registry (anonymous)', () => {
  let registry: RunningRegistry
  let recorder: RecordingDispatcher
  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => registry.stop())
  beforeEach(() => {
    recorder = recordingDispatcher()
  })
  afterEach(async () => recorder.close())

  it.each([
    ['OCI manifest', { format: 'oci' as const }, OCI_MANIFEST],
    ['Docker manifest', { format: 'docker' as const }, DOCKER_MANIFEST],
    ['OCI index', { format: 'oci' as const, index: true }, OCI_INDEX],
    ['Docker manifest list', { format: 'docker' as const, index: true }, DOCKER_MANIFEST_LIST]
  ])('reads a %s exactly as stored, with its media type and digest', async (_name, shape, mediaType) => {
    const pushed = await pushImage(registry, { repository: 'shapes', tag: 'one', revision: SHA_A, ...shape })
    const manifest = await clientFor(registry, 'shapes', recorder).getManifest('one')
    expect(manifest.mediaType).toBe(mediaType)
    expect(manifest.digest).toBe(pushed.digest)
    expect(manifest.bytes.equals(pushed.bytes)).toBe(true)
  })

  it.each([
    ['an OCI config label', { format: 'oci' as const }],
    ['a Docker config label', { format: 'docker' as const }],
    ['an OCI manifest annotation', { format: 'oci' as const, revisionIn: 'annotation' as const }],
    ['an OCI index annotation', { format: 'oci' as const, index: true, revisionIn: 'annotation' as const }],
    ["an OCI index's first platform config label", { format: 'oci' as const, index: true }],
    ["a Docker manifest list's first platform config label", { format: 'docker' as const, index: true }]
  ])('reads the revision from %s', async (_name, shape) => {
    await pushImage(registry, { repository: 'labels', tag: 'rev', revision: SHA_A.toUpperCase(), ...shape })
    const client = clientFor(registry, 'labels', recorder)
    expect(await readRevision(client, await client.getManifest('rev'))).toBe(SHA_A)
  })

  it.each([
    ['a single manifest', false],
    ['an index', true]
  ])('gives null when %s records no revision', async (_name, index) => {
    await pushImage(registry, { repository: 'labels', tag: 'bare', revision: null, index })
    const client = clientFor(registry, 'labels', recorder)
    expect(await readRevision(client, await client.getManifest('bare'))).toBeNull()
  })

  it('treats a revision that is not a commit SHA as absent', async () => {
    await pushImage(registry, { repository: 'labels', tag: 'version', revision: 'v1.2.3' })
    const client = clientFor(registry, 'labels', recorder)
    expect(await readRevision(client, await client.getManifest('version'))).toBeNull()
  })

  it('names image:tag and registry when a tag is missing (MANIFEST_UNKNOWN)', async () => {
    await pushImage(registry, { repository: 'present', tag: 'one', revision: SHA_A })
    const error = await caught(clientFor(registry, 'present', recorder).getManifest('staging-7a72516'))
    expect(error).toBeInstanceOf(RegistryError)
    expect(error.code).toBe('MANIFEST_UNKNOWN')
    expect(error.errorClass).toBe('registry')
    expect(error.message).toContain(`${registry.host}/present:staging-7a72516`)
    expect(error.message).toContain(`registry ${registry.host}`)
  })

  it('answers null for an absent tag on find and head', async () => {
    await pushImage(registry, { repository: 'present', tag: 'one', revision: SHA_A })
    const client = clientFor(registry, 'present', recorder)
    expect(await client.findManifest('latest')).toBeNull()
    expect(await client.headDigest('latest')).toBeNull()
  })

  it('writes the exact bytes under another tag and reads the digest back with HEAD', async () => {
    const pushed = await pushImage(registry, { repository: 'copy', tag: 'src', revision: SHA_A, index: true })
    const client = clientFor(registry, 'copy', recorder)
    await client.putManifest('dst', await client.getManifest('src'))
    expect(await client.headDigest('dst')).toBe(pushed.digest)
    expect((await readTag(registry, 'copy', 'dst'))?.bytes.equals(pushed.bytes)).toBe(true)
    expect(recorder.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/v2/copy/manifests/dst'])
  })

  it('refuses a reference that is neither a tag nor a digest before any request', async () => {
    const error = await caught(clientFor(registry, 'present', recorder).getManifest('../../etc'))
    expect(error).toBeInstanceOf(FleetError)
    expect(error.errorClass).toBe('input')
    expect(recorder.requests).toHaveLength(0)
  })
})

describe('RegistryClient against docker-registry with htpasswd basic auth', () => {
  let registry: RunningRegistry
  let recorder: RecordingDispatcher
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic', users: [USER] })
    await pushImage(registry, { repository: 'private', tag: 'one', revision: SHA_A })
  })
  afterAll(async () => registry.stop())
  beforeEach(() => {
    recorder = recordingDispatcher()
  })
  afterEach(async () => recorder.close())

  it('answers the Basic challenge, and sends credentials only once asked', async () => {
    const manifest = await clientFor(registry, 'private', recorder, USER).getManifest('one')
    expect(manifest.mediaType).toBe(OCI_MANIFEST)
    expect(recorder.requests.map((r) => r.authorized)).toEqual([false, true])
  })

  it('classifies a wrong password as UNAUTHORIZED without retrying forever or echoing it', async () => {
    const password = 'wrong-password-s3cr3t'
    const error = await caught(clientFor(registry, 'private', recorder, { ...USER, password }).getManifest('one'))
    expect(error.code).toBe('UNAUTHORIZED')
    expect(error.errorClass).toBe('registry')
    expect(error.message).toContain(`${registry.host}/private:one`)
    expect(error.message).toContain('check registry-username and registry-password')
    expect(error.message).not.toContain(password)
    expect(error.message).not.toContain(Buffer.from(`${USER.username}:${password}`).toString('base64'))
    expect(recorder.requests).toHaveLength(2)
  })

  it('says credentials are needed when none were given', async () => {
    const error = await caught(clientFor(registry, 'private', recorder).getManifest('one'))
    expect(error.code).toBe('UNAUTHORIZED')
    expect(error.message).toContain('requires authentication')
  })
})

describe('RegistryClient against docker-registry with token auth (Bearer challenge)', () => {
  let registry: RunningRegistry
  let recorder: RecordingDispatcher
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', users: [USER] })
    await pushImage(registry, { repository: 'team/app', tag: 'one', revision: SHA_A })
  })
  afterAll(async () => registry.stop())
  beforeEach(() => {
    recorder = recordingDispatcher()
    registry.tokenRequests.length = 0
  })
  afterEach(async () => recorder.close())

  it('fetches a token from the realm for the scope each challenge names, then reads and writes', async () => {
    const client = clientFor(registry, 'team/app', recorder, USER)
    const manifest = await client.getManifest('one')
    await client.putManifest('latest', manifest)
    expect(await client.headDigest('latest')).toBe(manifest.digest)
    // The registry lists a scope's actions in no fixed order.
    const asked = registry.tokenRequests.map((r) => ({ ...r, scopes: r.scopes.map(sortActions) }))
    expect(asked).toEqual([
      { user: 'deployer', scopes: ['repository:team/app:pull'], status: 200 },
      { user: 'deployer', scopes: ['repository:team/app:pull,push'], status: 200 }
    ])
  })

  it('classifies credentials the token service rejects as UNAUTHORIZED, without the password', async () => {
    const password = 'not-the-password-9f8e'
    const error = await caught(clientFor(registry, 'team/app', recorder, { ...USER, password }).getManifest('one'))
    expect(error.code).toBe('UNAUTHORIZED')
    expect(error.message).toContain(`${registry.host}/team/app:one`)
    expect(error.message).toContain('token service 127.0.0.1')
    expect(error.message).not.toContain(password)
    expect(registry.tokenRequests.map((r) => r.status)).toEqual([401])
  })

  it('fails with UNAUTHORIZED after one re-auth when the anonymous token grants nothing', async () => {
    const error = await caught(clientFor(registry, 'team/app', recorder).getManifest('one'))
    expect(error.code).toBe('UNAUTHORIZED')
    expect(error.message).toContain('requires authentication')
    expect(registry.tokenRequests).toEqual([{ user: null, scopes: ['repository:team/app:pull'], status: 200 }])
    expect(recorder.requests.filter((r) => r.path.startsWith('/v2/'))).toHaveLength(2)
  })
})
