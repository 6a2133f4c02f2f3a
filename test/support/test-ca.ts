/**
 * A throwaway certificate authority (the benchmark's TLS fleet, the proxy tests): one CA and a leaf
 * certificate per loopback address (its IP in subjectAltName), ECDSA P-256, valid for a day. Built here as DER because `openssl` once per
 * address would take minutes at 10,000 tenants; Node's TLS verifies them like any other certificate.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'

const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts)
  const n = body.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), body])
}
const sequence = (...parts: Buffer[]): Buffer => der(0x30, ...parts)
const boolTrue = (): Buffer => der(0x01, Buffer.from([0xff]))
const octets = (content: Buffer): Buffer => der(0x04, content)

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const group = [arc & 0x7f]
    for (let v = arc >> 7; v; v >>= 7) group.unshift((v & 0x7f) | 0x80)
    bytes.push(...group)
  }
  return der(0x06, Buffer.from(bytes))
}

function integer(value: number): Buffer {
  const bytes: number[] = []
  for (let v = value; bytes.length === 0 || v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  if (bytes[0] & 0x80) bytes.unshift(0)
  return der(0x02, Buffer.from(bytes))
}

const utcTime = (at: Date): Buffer => der(0x17, Buffer.from(`${at.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`))
const commonName = (cn: string): Buffer => sequence(der(0x31, sequence(objectId('2.5.4.3'), der(0x0c, Buffer.from(cn)))))
const ECDSA_WITH_SHA256 = sequence(objectId('1.2.840.10045.4.3.2'))
const CA_NAME = 'fleet-forward test CA'

interface CertificateFields {
  serial: number
  subject: string
  publicKey: KeyObject
  caKey: KeyObject
  /** A CA certificate (basicConstraints CA, keyCertSign); otherwise a leaf for `ip`. */
  ip?: string
}

function certificatePem({ serial, subject, publicKey, caKey, ip }: CertificateFields): string {
  const critical = (id: string, value: Buffer): Buffer => sequence(objectId(id), boolTrue(), octets(value))
  const extensions = ip
    ? [critical('2.5.29.19', sequence()), sequence(objectId('2.5.29.17'), octets(sequence(der(0x87, Buffer.from(ip.split('.').map(Number))))))]
    : [critical('2.5.29.19', sequence(boolTrue())), critical('2.5.29.15', der(0x03, Buffer.from([0x02, 0x04])))]
  const now = Date.now()
  const tbs = sequence(
    der(0xa0, integer(2)),
    integer(serial),
    ECDSA_WITH_SHA256,
    commonName(CA_NAME),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    commonName(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(...extensions))
  )
  const certificate = sequence(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), sign('sha256', tbs, caKey)))
  return `-----BEGIN CERTIFICATE-----\n${certificate
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`
}

export interface TestCa {
  /** The CA certificate, for NODE_EXTRA_CA_CERTS. */
  readonly caPem: string
  /** The leaves' shared private key. */
  readonly keyPem: string
  /** A leaf certificate for one IPv4 address. */
  leafFor(ip: string): string
}

export function createTestCa(): TestCa {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  let serial = 1
  return {
    caPem: certificatePem({ serial: serial++, subject: CA_NAME, publicKey: ca.publicKey, caKey: ca.privateKey }),
    keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    leafFor: (ip) => certificatePem({ serial: serial++, subject: ip, publicKey: leaf.publicKey, caKey: ca.privateKey, ip })
  }
}
