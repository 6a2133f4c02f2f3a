import { parseImageRef } from '../registry/image-ref.js'
import { InputError, InputErrors } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { registerCredentials, registerSecret } from '../util/scrub.js'
import { apiUrlOfServer, checkApiUrlOnServer, detectForgeKind } from './api-url.js'
import { shortSha } from '../util/sha.js'
import { INPUTS } from './inputs.js'
import type { PromotionSettings, RedeploySettings, RunContext, Settings } from './settings.js'
import { checkProxyVariables, type ProxyEnv } from './proxy.js'
import { parseTenants } from './tenants.js'
import { parseWaveSpec } from './waves.js'
import { parseBoolean, parseBranch, parseCount, parseHttpUrl, parseName, parseSeconds, parseSha, parseTag } from './validate.js'

/** Reads one raw input by its name in action.yml (README, Inputs) ('' when unset). */
export type InputReader = (name: string) => string

/** The runner variables a run depends on; the action passes process.env, the CLI its flags. */
export interface RuntimeEnv extends ProxyEnv {
  readonly GITHUB_REPOSITORY?: string
  readonly GITHUB_SHA?: string
  readonly GITHUB_SERVER_URL?: string
  readonly GITHUB_API_URL?: string
  readonly GITHUB_RUN_ID?: string
  readonly GITHUB_RUN_ATTEMPT?: string
  readonly GITEA_ACTIONS?: string
  /** 'true' inside GitHub Actions and Gitea's act_runner: only there is a run page at /actions/runs/<id>. */
  readonly GITHUB_ACTIONS?: string
  /** Who started the run, for the record. */
  readonly GITHUB_ACTOR?: string
  /** The run's page in whatever CI runs the CLI (--run-url). */
  readonly FLEET_FORWARD_RUN_URL?: string
}

const DEFAULTS = new Map(INPUTS.map((spec) => [spec.name, spec.default]))
const MAX_BUDGET_SECONDS = 6 * 3600

/**
 * Parses and validates every input before anything touches the network, so a bad input costs
 * nothing: the error names the input and no forge, registry or tenant has been contacted. Every
 * independent invalid input is reported at once (InputErrors); one that depends on an invalid one
 * (a tag derived from a bad sha) is not checked, since its error would only repeat the first.
 */
export function parseSettings(readRaw: InputReader, env: RuntimeEnv, readTextFile: (path: string) => string): Settings {
  const read = (name: string): string => (readRaw(name) ?? '').trim() || DEFAULTS.get(name) || ''
  registerSecrets(read)
  const problems: InputError[] = []
  const take: Take = (parse) => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(error)
      return undefined
    }
  }

  const token = take(() => read('token') || fail('token', 'is empty: pass a forge token (the action defaults to github.token)'))
  const forge = take(() => parseForge(read('forge')))

  const sha = take(() => parseSha(read('sha') || env.GITHUB_SHA || '', read('sha') ? 'sha' : 'sha (from GITHUB_SHA)'))
  const derivedTag = sha === undefined ? undefined : `staging-${shortSha(sha)}`
  const rawTag = read('target-tag') || derivedTag
  const targetTag = rawTag === undefined ? undefined : take(() => parseTag(rawTag, 'target-tag'))
  const promotion = take(() => parsePromotion(read))
  const expectedSha = read('expected-sha')
    ? take(() => parseSha(read('expected-sha'), 'expected-sha'))
    : targetTag === undefined || promotion === undefined
      ? undefined
      : take(() => derivedExpectedSha(targetTag === derivedTag ? sha : undefined, targetTag, promotion))

  const buildinfoPath = take(() => {
    const path = read('buildinfo-path')
    return path.startsWith('/') ? path : fail('buildinfo-path', `must start with '/', got '${neutralize(path, 80)}'`)
  })
  const budget = take(() => parseSeconds(read('settle-budget'), 'settle-budget', 0, MAX_BUDGET_SECONDS))
  const interval = take(() => parseSeconds(read('settle-interval'), 'settle-interval', 1, MAX_BUDGET_SECONDS))
  const tenants = buildinfoPath === undefined ? undefined : take(() => readTenants(read, buildinfoPath, readTextFile))

  const settings = {
    token,
    forge,
    environment: take(() => parseName(read('environment'), 'environment')),
    environmentUrl: take(() => (read('environment-url') ? parseHttpUrl(read('environment-url'), 'environment-url').href : null)),
    branch: take(() => (read('branch') ? parseBranch(read('branch'), 'branch') : null)),
    sha,
    targetTag,
    expectedSha,
    tenants,
    shaFields: take(() => parseShaFields(read('sha-field'))),
    settleBudgetSeconds: budget,
    settleIntervalSeconds: interval,
    redeploy: take(() => parseRedeploy(read)),
    rollout: {
      waves:
        tenants &&
        take(() =>
          parseWaveSpec(
            read('waves'),
            tenants.some((t) => t.wave !== undefined)
          )
        ),
      maxFailures: tenants && take(() => parseCount(read('max-failures'), 'max-failures', 0, tenants.length)),
      bakeSeconds: take(() => parseSeconds(read('bake'), 'bake', 0, MAX_BUDGET_SECONDS)),
      maxParallel: take(() => parseCount(read('max-parallel'), 'max-parallel', 1, 256))
    },
    promotion,
    allowRollback: take(() => parseBoolean(read('allow-rollback'), 'allow-rollback')),
    requireVerifiedIn: take(() => (read('require-verified-in') ? parseName(read('require-verified-in'), 'require-verified-in') : null)),
    lock: take(() => parseBoolean(read('lock'), 'lock')),
    lockTimeoutSeconds: take(() => parseSeconds(read('lock-timeout'), 'lock-timeout', 0, 24 * 3600)),
    dryRun: take(() => parseBoolean(read('dry-run'), 'dry-run')),
    historyFile: read('history-file') || null,
    run: parseRunContext(env, forge ?? 'auto', take)
  }
  checkProxyVariables(env, take)
  if (problems.length > 1) throw new InputErrors(problems)
  if (problems.length === 1) throw problems[0]
  // No input was invalid, so every value above is set.
  return deepFreeze(settings as Settings)
}

/** The parsed value, or undefined when the input is invalid (its error kept for the report). */
type Take = <T>(parse: () => T) => T | undefined

function fail(input: string, problem: string): never {
  throw new InputError(input, problem)
}

function parseForge(forge: string): Settings['forge'] {
  if (forge !== 'auto' && forge !== 'github' && forge !== 'gitea') fail('forge', `must be auto, github or gitea, got '${neutralize(forge, 40)}'`)
  return forge
}

/** Every secret input is known to the scrubber before anything (an input error included) could echo it. */
function registerSecrets(read: (name: string) => string): void {
  for (const spec of INPUTS) if (spec.secret) registerSecret(read(spec.name))
  const username = read('registry-username')
  const password = read('registry-password')
  if (username && password) registerCredentials(username, password)
}

/** The expected commit when none is given: the sha a derived tag was built from, else the image's label. */
function derivedExpectedSha(tagSha: string | undefined, targetTag: string, promotion: PromotionSettings | null): string | null {
  if (tagSha !== undefined) return tagSha
  if (promotion) return null // read from the image's revision label before any side effect
  return fail(
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
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(field)) throw new InputError('sha-field', `'${neutralize(field, 80)}' is not a JSON field name`)
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

function parseRunContext(env: RuntimeEnv, forge: Settings['forge'], take: Take): Partial<RunContext> {
  const repository = env.GITHUB_REPOSITORY ?? ''
  take(() => {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
      fail('GITHUB_REPOSITORY', `must be owner/name, got '${neutralize(repository, 100)}' (CLI: --repository)`)
    }
  })
  const serverUrl = take(() =>
    parseHttpUrl(env.GITHUB_SERVER_URL || DEFAULT_SERVER_URL, 'GITHUB_SERVER_URL')
      .toString()
      .replace(/\/$/, '')
  )
  const giteaActions = env.GITEA_ACTIONS === 'true'
  const apiUrl = take(() => {
    if (!env.GITHUB_API_URL) return serverUrl && apiUrlOfServer(detectForgeKind(forge, { apiUrl: '', giteaActions }), serverUrl)
    const given = parseHttpUrl(env.GITHUB_API_URL, 'GITHUB_API_URL').toString().replace(/\/$/, '')
    if (env.GITHUB_SERVER_URL && serverUrl) checkApiUrlOnServer(given, serverUrl)
    return given
  })
  return {
    repository,
    serverUrl,
    apiUrl,
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    // Validated even when the repository or server is not, so a bad run URL is reported with them.
    runUrl: take(() => runUrlFrom(env, serverUrl ?? '', repository)),
    giteaActions,
    actor: env.GITHUB_ACTOR || null
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
