import { parseImageRef } from '../registry/image-ref.js'
import { InputError } from '../util/errors.js'
import { registerCredentials, registerSecret } from '../util/scrub.js'
import { apiUrlOfServer, checkApiUrlOnServer, detectForgeKind } from './api-url.js'
import { shortSha } from '../util/sha.js'
import { INPUTS } from './inputs.js'
import type { PromotionSettings, RedeploySettings, RunContext, Settings } from './settings.js'
import { parseTenants } from './tenants.js'
import { parseWaveSpec } from './waves.js'
import {
  parseBoolean,
  parseBranch,
  parseCount,
  parseHttpUrl,
  parseName,
  parseSeconds,
  parseSha,
  parseTag
} from './validate.js'

/** Reads one raw input by its name in action.yml (README, Inputs) ('' when unset). */
export type InputReader = (name: string) => string

/** The runner variables a run depends on; the action passes process.env, the CLI its flags. */
export interface RuntimeEnv {
  readonly GITHUB_REPOSITORY?: string
  readonly GITHUB_SHA?: string
  readonly GITHUB_SERVER_URL?: string
  readonly GITHUB_API_URL?: string
  readonly GITHUB_RUN_ID?: string
  readonly GITHUB_RUN_ATTEMPT?: string
  readonly GITEA_ACTIONS?: string
  /** 'true' inside GitHub Actions and Gitea's act_runner: only there is a run page at /actions/runs/<id>. */
  readonly GITHUB_ACTIONS?: string
  /** The run's page in whatever CI runs the CLI (--run-url). */
  readonly FLEET_FORWARD_RUN_URL?: string
}

const DEFAULTS = new Map(INPUTS.map((spec) => [spec.name, spec.default]))
const MAX_BUDGET_SECONDS = 6 * 3600

/**
 * Parses and validates every input before anything touches the network, so a bad input costs
 * nothing: the error names the input and no forge, registry or tenant has been contacted.
 */
export function parseSettings(readRaw: InputReader, env: RuntimeEnv, readTextFile: (path: string) => string): Settings {
  const read = (name: string): string => (readRaw(name) ?? '').trim() || DEFAULTS.get(name) || ''
  registerSecrets(read)

  const token = read('token')
  if (!token) throw new InputError('token', 'is empty: pass a forge token (the action defaults to github.token)')
  const forge = read('forge')
  if (forge !== 'auto' && forge !== 'github' && forge !== 'gitea') {
    throw new InputError('forge', `must be auto, github or gitea, got '${forge.slice(0, 40)}'`)
  }

  const sha = parseSha(read('sha') || env.GITHUB_SHA || '', read('sha') ? 'sha' : 'sha (from GITHUB_SHA)')
  const derivedTag = `staging-${shortSha(sha)}`
  const targetTag = parseTag(read('target-tag') || derivedTag, 'target-tag')
  const promotion = parsePromotion(read)
  const expectedSha = parseExpectedSha(read('expected-sha'), targetTag === derivedTag, sha, targetTag, promotion)

  const buildinfoPath = read('buildinfo-path')
  if (!buildinfoPath.startsWith('/')) throw new InputError('buildinfo-path', `must start with '/', got '${buildinfoPath.slice(0, 80)}'`)

  const budget = parseSeconds(read('settle-budget'), 'settle-budget', 0, MAX_BUDGET_SECONDS)
  const interval = parseSeconds(read('settle-interval'), 'settle-interval', 1, MAX_BUDGET_SECONDS)

  const tenants = readTenants(read, buildinfoPath, readTextFile)
  const settings: Settings = {
    token,
    forge,
    environment: parseName(read('environment'), 'environment'),
    environmentUrl: read('environment-url') ? parseHttpUrl(read('environment-url'), 'environment-url').href : null,
    branch: read('branch') ? parseBranch(read('branch'), 'branch') : null,
    sha,
    targetTag,
    expectedSha,
    tenants,
    shaFields: parseShaFields(read('sha-field')),
    settleBudgetSeconds: budget,
    settleIntervalSeconds: interval,
    redeploy: parseRedeploy(read),
    rollout: {
      waves: parseWaveSpec(read('waves'), tenants.some((t) => t.wave !== undefined)),
      maxFailures: parseCount(read('max-failures'), 'max-failures', 0, tenants.length),
      bakeSeconds: parseSeconds(read('bake'), 'bake', 0, MAX_BUDGET_SECONDS),
      maxParallel: parseCount(read('max-parallel'), 'max-parallel', 1, 256)
    },
    promotion,
    allowRollback: parseBoolean(read('allow-rollback'), 'allow-rollback'),
    requireVerifiedIn: read('require-verified-in') ? parseName(read('require-verified-in'), 'require-verified-in') : null,
    lock: parseBoolean(read('lock'), 'lock'),
    lockTimeoutSeconds: parseSeconds(read('lock-timeout'), 'lock-timeout', 0, 24 * 3600),
    dryRun: parseBoolean(read('dry-run'), 'dry-run'),
    historyFile: read('history-file') || null,
    run: parseRunContext(env, forge)
  }
  return deepFreeze(settings)
}

/** Every secret input is known to the scrubber before anything (an input error included) could echo it. */
function registerSecrets(read: (name: string) => string): void {
  for (const spec of INPUTS) if (spec.secret) registerSecret(read(spec.name))
  const username = read('registry-username')
  const password = read('registry-password')
  if (username && password) registerCredentials(username, password)
}

function parseExpectedSha(
  raw: string,
  tagIsDerived: boolean,
  sha: string,
  targetTag: string,
  promotion: PromotionSettings | null
): string | null {
  if (raw) return parseSha(raw, 'expected-sha')
  if (tagIsDerived) return sha
  if (promotion) return null // read from the image's revision label before any side effect
  throw new InputError(
    'expected-sha',
    `cannot be derived: target-tag '${targetTag}' is not staging-<sha>, and no image is set to read its revision label from; pass expected-sha or image`
  )
}

function readTenants(read: (name: string) => string, buildinfoPath: string, readTextFile: (path: string) => string) {
  const inline = read('tenants')
  const file = read('tenants-file')
  if (inline && file) throw new InputError('tenants-file', 'cannot be combined with tenants; pass one of them')
  if (!inline && !file) throw new InputError('tenants', 'is empty: pass tenants or tenants-file')
  if (inline) return parseTenants(inline, 'tenants', buildinfoPath)
  let text: string
  try {
    text = readTextFile(file)
  } catch (error) {
    throw new InputError('tenants-file', `cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return parseTenants(text, 'tenants-file', buildinfoPath)
}

function parseShaFields(raw: string): string[] {
  const fields = raw.split(/[\s,]+/).filter(Boolean)
  for (const field of fields) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(field)) throw new InputError('sha-field', `'${field.slice(0, 80)}' is not a JSON field name`)
  }
  if (fields.length === 0) throw new InputError('sha-field', 'names no field')
  return fields
}

function parseRedeploy(read: (name: string) => string): RedeploySettings {
  const url = read('redeploy-url')
  const command = read('redeploy-command')
  const token = read('redeploy-token')
  if (url && command) throw new InputError('redeploy-command', 'cannot be combined with redeploy-url; pass one of them')
  if (token && !url) throw new InputError('redeploy-token', 'is set but redeploy-url is not')
  if (url) {
    const perTenant = url.includes('{tenant}')
    parseHttpUrl(url.replaceAll('{tenant}', 'tenant'), 'redeploy-url')
    return { kind: 'webhook', url, token: token || null, perTenant }
  }
  if (command) return { kind: 'command', command }
  return { kind: 'none' }
}

function parsePromotion(read: (name: string) => string): PromotionSettings | null {
  const image = read('image')
  const username = read('registry-username')
  const password = read('registry-password')
  if (!image) {
    if (username || password) throw new InputError('image', 'is empty but registry credentials are set; pass image to promote')
    return null
  }
  parseImageRef(image)
  if (Boolean(username) !== Boolean(password)) {
    throw new InputError(username ? 'registry-password' : 'registry-username', 'must be set together with the other registry credential')
  }
  return {
    image,
    promoteTag: parseTag(read('promote-tag'), 'promote-tag'),
    username: username || null,
    password: password || null
  }
}

function parseRunContext(env: RuntimeEnv, forge: Settings['forge']): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new InputError('GITHUB_REPOSITORY', `must be owner/name, got '${repository.slice(0, 100)}' (CLI: --repository)`)
  }
  const serverUrl = parseHttpUrl(env.GITHUB_SERVER_URL || DEFAULT_SERVER_URL, 'GITHUB_SERVER_URL').toString().replace(/\/$/, '')
  const giteaActions = env.GITEA_ACTIONS === 'true'
  const apiUrl = env.GITHUB_API_URL
    ? parseHttpUrl(env.GITHUB_API_URL, 'GITHUB_API_URL').toString().replace(/\/$/, '')
    : apiUrlOfServer(detectForgeKind(forge, { apiUrl: '', giteaActions }), serverUrl)
  if (env.GITHUB_API_URL && env.GITHUB_SERVER_URL) checkApiUrlOnServer(apiUrl, serverUrl)
  const runId = env.GITHUB_RUN_ID ?? ''
  const runAttempt = env.GITHUB_RUN_ATTEMPT || '1'
  return {
    repository,
    serverUrl,
    apiUrl,
    runId,
    runAttempt,
    runUrl: runUrlFrom(env, serverUrl, repository),
    giteaActions
  }
}

export const DEFAULT_SERVER_URL = 'https://github.com'

/**
 * The run's page: the one given, else the forge's run page inside Actions (GitHub and act_runner set
 * GITHUB_ACTIONS), else none. Never a guess: another CI's run id under the forge's URL leads nowhere.
 */
export function runUrlFrom(env: RuntimeEnv, serverUrl: string, repository: string): string {
  if (env.FLEET_FORWARD_RUN_URL) return parseHttpUrl(env.FLEET_FORWARD_RUN_URL, 'FLEET_FORWARD_RUN_URL').href
  return env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID ? runUrlOf(serverUrl, repository, env.GITHUB_RUN_ID) : ''
}

/** Link to a run on the forge (GitHub and Gitea use the same path). */
export function runUrlOf(serverUrl: string, repository: string, runId: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
