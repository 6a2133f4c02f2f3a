import { createForge, detectForgeKind, type ForgeContext } from '../../src/forge/detect.js'
import { InputError } from '../../src/util/errors.js'
import { FakeGitea } from '../../test/support/fake-gitea.js'
import { FakeGitHub } from '../../test/support/fake-github.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'

const SHA = 'a'.repeat(40)

function context(overrides: Partial<ForgeContext>): ForgeContext {
  return { apiUrl: '', serverUrl: '', repository: 'acme/fleet', token: 't0k3n', giteaActions: false, ...overrides }
}

describe('detectForgeKind', () => {
  test('auto: act_runner’s GITEA_ACTIONS=true means Gitea, whatever the API URL says', () => {
    expect(detectForgeKind('auto', { apiUrl: 'https://git.example.com/api/v3', giteaActions: true })).toBe('gitea')
  })

  test('auto: an /api/v1 API URL means Gitea', () => {
    expect(detectForgeKind('auto', { apiUrl: 'https://git.example.com/api/v1', giteaActions: false })).toBe('gitea')
    expect(detectForgeKind('auto', { apiUrl: 'https://git.example.com/api/v1/', giteaActions: false })).toBe('gitea')
  })

  test('auto: GitHub otherwise (github.com and GHES)', () => {
    expect(detectForgeKind('auto', { apiUrl: 'https://api.github.com', giteaActions: false })).toBe('github')
    expect(detectForgeKind('auto', { apiUrl: 'https://ghes.example.com/api/v3', giteaActions: false })).toBe('github')
  })

  test('an explicit kind wins over the environment', () => {
    expect(detectForgeKind('github', { apiUrl: 'https://git.example.com/api/v1', giteaActions: true })).toBe('github')
    expect(detectForgeKind('gitea', { apiUrl: 'https://api.github.com', giteaActions: false })).toBe('gitea')
  })
})

describe('createForge', () => {
  test('auto on act_runner talks to Gitea at the given API URL with a `token` header', async () => {
    const fake = new FakeGitea({ token: 't0k3n' })
    fake.addCommit(SHA)
    fake.setBranch('main', SHA)
    await fake.start()
    try {
      const forge = createForge('auto', context({ apiUrl: fake.apiUrl, serverUrl: fake.url, giteaActions: true }), new VirtualClock())
      expect(forge.kind).toBe('gitea')
      expect(await forge.readBranchHead('main')).toBe(SHA)
      expect(fake.requests[0]!.headers.authorization).toBe('token')
    } finally {
      await fake.close()
    }
  })

  test('Gitea with no API URL derives <server>/api/v1', async () => {
    const fake = new FakeGitea({ token: 't0k3n' })
    fake.addCommit(SHA)
    fake.setBranch('main', SHA)
    await fake.start()
    try {
      const forge = createForge('gitea', context({ serverUrl: fake.url }), new VirtualClock())
      expect(await forge.defaultBranch()).toBe('main')
      expect(fake.requests[0]!.path).toBe('/api/v1/repos/acme/fleet')
    } finally {
      await fake.close()
    }
  })

  test('auto with a GitHub API URL talks to GitHub with its token header', async () => {
    const fake = new FakeGitHub({ token: 't0k3n' })
    fake.addCommit(SHA)
    fake.setBranch('main', SHA)
    await fake.start()
    try {
      const forge = createForge('auto', context({ apiUrl: fake.apiUrl }), new VirtualClock())
      expect(forge.kind).toBe('github')
      expect(forge.repository).toBe('acme/fleet')
      expect(await forge.readBranchHead('main')).toBe(SHA)
      expect(fake.requests[0]!.headers.authorization).toBe('token')
    } finally {
      await fake.close()
    }
  })

  test('a repository that is not owner/name is an input error before any request', () => {
    expect(() => createForge('github', context({ repository: 'just-a-name' }), new VirtualClock())).toThrow(InputError)
  })
})
