import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { createFleetTransport, planConnections } from '../../src/fleet/connection-plan.js'
import { probeTenant } from '../../src/fleet/probe.js'

/** A tenant behind HTTPS with a certificate nobody trusts: the probe must refuse it, not read it. */
describe('probeTenant over HTTPS', () => {
  let dir: string
  let server: Server
  let requests = 0

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ff-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1'
      ],
      { stdio: 'ignore' }
    )
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      requests++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha: '7f25373' + '0'.repeat(33) }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('verifies the certificate: a self-signed tenant is unreachable with class tls, and nothing is read from it', async () => {
    const transport = createFleetTransport(planConnections([], 4), { connectTimeoutMs: 2_000, keepAliveMs: 5_000 })
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/buildinfo`
      const result = await probeTenant(url, { dispatcher: transport, shaFields: DEFAULT_SHA_FIELDS, requestTimeoutMs: 2_000, maxBodyBytes: 1024 })
      expect(result.sha).toBeNull()
      expect(result.errorClass).toBe('tls')
      expect(requests).toBe(0)
    } finally {
      await transport.destroy()
    }
  })
})
