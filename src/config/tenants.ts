import type { Tenant } from '../types.js'
import { InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { parseHttpUrl } from './validate.js'

const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Where a tenant's buildinfo and health check are found: `buildinfo-path`, and `health-path` or null. */
export interface TenantPaths {
  readonly buildinfo: string
  readonly health: string | null
}

/**
 * Tenants come as `name url [health]` lines (blank lines and `#` comments ignored) or a JSON array of
 * {name, url, wave?, health?} (a wave for every tenant or for none). A base URL (no path) gets the
 * buildinfo path appended; any other URL is used as given. A tenant's health check is its own `health`
 * (a path or a URL), else `health-path`; none means no health check (see healthUrlOf).
 */
export function parseTenants(text: string, input: string, paths: TenantPaths): Tenant[] {
  const trimmed = text.trim()
  const raw = trimmed.startsWith('[') ? parseJsonTenants(trimmed, input) : parseLineTenants(trimmed, input)
  if (raw.length === 0) throw new InputError(input, 'lists no tenant')
  const seen = new Set<string>()
  const withWave = raw.filter((t) => t.wave !== undefined).length
  if (withWave > 0 && withWave < raw.length)
    throw new InputError(input, `${withWave} of ${raw.length} tenants have a "wave" field; give every tenant one, or none`)
  return raw.map(({ name, url, wave, health }, index) => {
    const where = `tenant #${index + 1}`
    if (!TENANT_NAME.test(name)) {
      throw new InputError(input, `${where}: name '${neutralize(name, 60)}' must be 1-128 letters, digits, '.', '_' or '-'`)
    }
    if (seen.has(name)) throw new InputError(input, `tenant name '${name}' appears twice; names must be unique`)
    seen.add(name)
    const parsed = parseHttpUrl(url, input, `tenant '${name}'`)
    if (parsed.pathname === '/' && !parsed.search) parsed.pathname = paths.buildinfo
    const healthUrl = healthUrlOf(parsed, paths.buildinfo, health ?? paths.health, input, name)
    return Object.freeze({ name, url: parsed.toString(), ...(wave === undefined ? {} : { wave }), ...(healthUrl === null ? {} : { health: healthUrl }) })
  })
}

/**
 * The health URL of a tenant whose buildinfo is at `buildinfo`: a full URL is used as given; a path
 * takes the place of the buildinfo path when the buildinfo URL ends with it (`…/t/ana/buildinfo` →
 * `…/t/ana/healthz`), else it is the path on the tenant's origin.
 */
function healthUrlOf(buildinfo: URL, buildinfoPath: string, health: string | null, input: string, name: string): string | null {
  if (health === null) return null
  if (!health.startsWith('/')) return parseHttpUrl(health, input, `tenant '${name}' health`).toString()
  const base = buildinfo.pathname.endsWith(buildinfoPath) ? buildinfo.pathname.slice(0, -buildinfoPath.length) : ''
  return new URL(`${base}${health}`, buildinfo.origin).toString()
}

interface RawTenant {
  name: string
  url: string
  wave?: number
  /** Its own health path or URL. */
  health?: string
}

const MAX_WAVE = 1000

function parseJsonTenants(text: string, input: string): RawTenant[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new InputError(input, `is not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(value)) throw new InputError(input, 'must be a JSON array of {"name","url"} objects')
  return value.map((item, index) => {
    const entry = item as { name?: unknown; url?: unknown; wave?: unknown; health?: unknown }
    if (typeof entry?.name !== 'string' || typeof entry?.url !== 'string') {
      throw new InputError(input, `tenant #${index + 1} needs string fields "name" and "url"`)
    }
    if (entry.health !== undefined && typeof entry.health !== 'string') {
      throw new InputError(input, `tenant #${index + 1}: "health" must be a path starting with '/' or an http(s) URL`)
    }
    const tenant: RawTenant = { name: entry.name, url: entry.url, ...(entry.health === undefined ? {} : { health: entry.health }) }
    if (entry.wave === undefined) return tenant
    if (!Number.isInteger(entry.wave) || (entry.wave as number) < 1 || (entry.wave as number) > MAX_WAVE) {
      throw new InputError(input, `tenant #${index + 1}: "wave" must be a whole number from 1 to ${MAX_WAVE}`)
    }
    return { ...tenant, wave: entry.wave as number }
  })
}

function parseLineTenants(text: string, input: string): RawTenant[] {
  const tenants: RawTenant[] = []
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.trim()
    if (!content || content.startsWith('#')) return
    const parts = content.split(/\s+/)
    if (parts.length !== 2 && parts.length !== 3)
      throw new InputError(input, `line ${index + 1} must be "name url" or "name url health", got ${parts.length} field(s)`)
    tenants.push({ name: parts[0], url: parts[1], ...(parts[2] === undefined ? {} : { health: parts[2] }) })
  })
  return tenants
}
