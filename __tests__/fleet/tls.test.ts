import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { createFleetTransport, planConnections } from '../../src/fleet/connection-plan.js'
import { probeTenant } from '../../src/fleet/probe.js'
import { createTestCa } from '../../test/support/test-ca.js'

/** A tenant behind HTTPS with a certificate the runner does not trust: the probe must refuse it, not read it. */
describe('probeTenant over HTTPS', () => {
  let server: Server
  let requests = 0

  beforeAll(async () => {
    // Signed by a CA of the test's own that the probe was never told to trust.
    const ca = createTestCa()
    server = createServer({ key: ca.keyPem, cert: ca.leafFor('127.0.0.1') }, (_req, res) => {
      requests++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha: '7f25373' + '0'.repeat(33) }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('verifies the certificate: a tenant whose certificate chains to no trusted CA is unreachable with class tls, and nothing is read from it', async () => {
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
