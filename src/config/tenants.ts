import type { Tenant } from '../core/types.js'
import { InputError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { parseHttpUrl } from './validate.js'

const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * Tenants come as `name url` lines (blank lines and `#` comments ignored) or a JSON array of
 * {name, url, wave?} (a wave for every tenant or for none). A base URL (no path) gets `buildinfoPath` appended; any other URL is used as given.
 */
export function parseTenants(text: string, input: string, buildinfoPath: string): Tenant[] {
  const trimmed = text.trim()
  const raw = trimmed.startsWith('[') ? parseJsonTenants(trimmed, input) : parseLineTenants(trimmed, input)
  if (raw.length === 0) throw new InputError(input, 'lists no tenant')
  const seen = new Set<string>()
  const withWave = raw.filter((t) => t.wave !== undefined).length
  if (withWave > 0 && withWave < raw.length)
    throw new InputError(input, `${withWave} of ${raw.length} tenants have a "wave" field; give every tenant one, or none`)
  return raw.map(({ name, url, wave }, index) => {
    const where = `tenant #${index + 1}`
    if (!TENANT_NAME.test(name)) {
      throw new InputError(input, `${where}: name '${neutralize(name, 60)}' must be 1-128 letters, digits, '.', '_' or '-'`)
    }
    if (seen.has(name)) throw new InputError(input, `tenant name '${name}' appears twice; names must be unique`)
    seen.add(name)
    const parsed = parseHttpUrl(url, input, `tenant '${name}'`)
    if (parsed.pathname === '/' && !parsed.search) parsed.pathname = buildinfoPath
    return Object.freeze(wave === undefined ? { name, url: parsed.toString() } : { name, url: parsed.toString(), wave })
  })
}

interface RawTenant {
  name: string
  url: string
  wave?: number
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
    const entry = item as { name?: unknown; url?: unknown; wave?: unknown }
    if (typeof entry?.name !== 'string' || typeof entry?.url !== 'string') {
      throw new InputError(input, `tenant #${index + 1} needs string fields "name" and "url"`)
    }
    if (entry.wave === undefined) return { name: entry.name, url: entry.url }
    if (!Number.isInteger(entry.wave) || (entry.wave as number) < 1 || (entry.wave as number) > MAX_WAVE) {
      throw new InputError(input, `tenant #${index + 1}: "wave" must be a whole number from 1 to ${MAX_WAVE}`)
    }
    return { name: entry.name, url: entry.url, wave: entry.wave as number }
  })
}

function parseLineTenants(text: string, input: string): RawTenant[] {
  const tenants: RawTenant[] = []
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.trim()
    if (!content || content.startsWith('#')) return
    const parts = content.split(/\s+/)
    if (parts.length !== 2) throw new InputError(input, `line ${index + 1} must be "name url", got ${parts.length} field(s)`)
    tenants.push({ name: parts[0], url: parts[1] })
  })
  return tenants
}
