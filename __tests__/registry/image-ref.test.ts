import { isLoopbackHost, parseImageRef } from '../../src/registry/image-ref.js'
import { InputError } from '../../src/util/errors.js'

describe('parseImageRef', () => {
  it.each([
    ['ghcr.io/acme/app', 'ghcr.io', 'acme/app', 'https'],
    ['GHCR.io/acme/app', 'ghcr.io', 'acme/app', 'https'],
    ['gitea.example.com:3000/acme/deep/app', 'gitea.example.com:3000', 'acme/deep/app', 'https'],
    ['localhost:5000/app', 'localhost:5000', 'app', 'http'],
    ['localhost/app', 'localhost', 'app', 'http'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000', 'team/app', 'http'],
    ['127.10.20.30/app', '127.10.20.30', 'app', 'http'],
    ['[::1]:5000/app', '[::1]:5000', 'app', 'http'],
    ['10.0.0.5:5000/app', '10.0.0.5:5000', 'app', 'https'],
    ['ubuntu', 'registry-1.docker.io', 'library/ubuntu', 'https'],
    ['acme/app', 'registry-1.docker.io', 'acme/app', 'https'],
    ['docker.io/nginx', 'registry-1.docker.io', 'library/nginx', 'https'],
    ['index.docker.io/acme/app', 'registry-1.docker.io', 'acme/app', 'https'],
    ['registry.local/a_b/c__d/e-f/g.h', 'registry.local', 'a_b/c__d/e-f/g.h', 'https']
  ])('%s → %s / %s over %s', (image, registry, repository, scheme) => {
    expect(parseImageRef(image)).toEqual({ registry, repository, scheme })
  })

  it.each([
    ['', 'not a valid image name'],
    ['ghcr.io/acme/app:latest', 'must not include a tag'],
    ['ghcr.io/acme/app@sha256:abc', 'must not include a digest'],
    ['ghcr.io/Acme/app', 'not a valid image name'],
    ['ghcr.io/acme//app', 'not a valid image name'],
    ['ghcr.io/acme/app-', 'not a valid image name'],
    ['https://ghcr.io/acme/app', 'not a valid registry host'],
    ['ghcr.io:99999/app', 'out of range'],
    ['bad_host.io/app', 'not a valid registry host']
  ])('rejects %j naming the input image', (image, problem) => {
    expect(() => parseImageRef(image)).toThrow(InputError)
    expect(() => parseImageRef(image)).toThrow(/^input 'image': /)
    expect(() => parseImageRef(image)).toThrow(problem)
  })
})

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1', true],
    ['127.255.255.254:80', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['127.0.0.256', false],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['[::2]:5000', false],
    ['ghcr.io', false]
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
  })
})
