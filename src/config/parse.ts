import { parseImageRef } from '../registry/image-ref.js'
import { InputError, InputErrors } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { registerCredentials, registerSecret } from '../util/scrub.js'
import { apiUrlOfServer, checkApiUrlOnServer, detectForgeKind } from './api-url.js'
import { shortSha } from '../util/sha.js'
import { INPUTS } from './inputs.js'
import type { NotifySettings, PromotionSettings, RedeploySettings, RunContext, Settings, WindowSettings } from './settings.js'
import type { ProxyVariables } from '../util/dispatcher.js'
import { checkProxyVariables } from './proxy.js'
import { runUrlFrom } from './run-url.js'
import { parseTenants, type TenantPaths } from './tenants.js'
import { parseWaveSpec, withTenantWaves } from './waves.js'
import { parseWindowEntries } from './windows.js'
import { parseBoolean, parseBranch, parseCount, parseHttpUrl, parseName, parseSeconds, parseSha, parseTag } from './validate.js'

/** Reads one raw input by its name in action.yml (README, Inputs) ('' when unset). */
export type InputReader = (name: string) => string

/** The runner variables a run depends on; the action passes process.env, the CLI its flags. */
export interface RuntimeEnv extends ProxyVariables {
  readonly GITHUB_REPOSITORY?: string
  readonly GITHUB_SHA?: string
  readonly GITHUB_SERVER_URL?: string
  readonly GITHUB_API_URL?: string
  readonly GITHUB_RUN_ID?: string
  /** The run's number in its repository: what a Gitea run page is addressed by (runUrlFrom). */
  readonly GITHUB_RUN_NUMBER?: string
  readonly GITHUB_RUN_ATTEMPT?: string
  readonly GITEA_ACTIONS?: string
  /** 'true' inside GitHub Actions and Gitea's act_runner: only there is a run page under /actions/runs/. */
  readonly GITHUB_ACTIONS?: string
  /** Who started the run, for the record. */
  readonly GITHUB_ACTOR?: string
  /** The run's page in whatever CI runs the CLI (--run-url). */
  readonly FLEET_FORWARD_RUN_URL?: string
}

const DEFAULTS = new Map(INPUTS.map((spec) => [spec.name, spec.default]))
const MAX_BUDGET_SECONDS = 6 * 3600
/** The largest whole number a count input is read as before the fleet's size bounds it. */
const MAX_COUNT = 999_999_999
/** Passes or failures in a row a health verdict may ask for: more would outlast any sensible settle budget. */
const MAX_HEALTH_STREAK = 20

/**
 * Parses and validates every input before anything touches the network, so a bad input costs
 * nothing: the error names the input and no forge, registry or tenant has been contacted. Every
 * independent invalid input is reported at once (InputErrors); one that depends on an invalid one
 * (a tag derived from a bad sha) is not checked, since its error would only repeat the first.
 */
export function parseSettings(readRaw: InputReader, env: RuntimeEnv, readTextFile: (path: string) => string): Settings {
  const read = withDefaults(readRaw)
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

  const buildinfoPath = take(() => parsePath(read('buildinfo-path'), 'buildinfo-path'))
  const healthPath = take(() => (read('health-path') ? parsePath(read('health-path'), 'health-path') : null))
  const budget = take(() => parseSeconds(read('settle-budget'), 'settle-budget', 0, MAX_BUDGET_SECONDS))
  const interval = take(() => parseSeconds(read('settle-interval'), 'settle-interval', 1, MAX_BUDGET_SECONDS))
  const tenants =
    buildinfoPath === undefined || healthPath === undefined
      ? undefined
      : take(() => readTenants(read, { buildinfo: buildinfoPath, health: healthPath }, readTextFile))
  // Checked on their own first, so a bad value is reported even when the tenants are invalid too.
  const waveSpec = take(() => parseWaveSpec(read('waves')))
  const maxFailures = take(() => parseCount(read('max-failures'), 'max-failures', 0, MAX_COUNT))
  const allowRollback = take(() => parseBoolean(read('allow-rollback'), 'allow-rollback'))

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
    health: {
      successes: take(() => parseCount(read('health-successes'), 'health-successes', 1, MAX_HEALTH_STREAK)),
      failures: take(() => parseCount(read('health-failures'), 'health-failures', 1, MAX_HEALTH_STREAK))
    },
    redeploy: take(() => parseRedeploy(read)),
    rollout: {
      waves:
        tenants &&
        waveSpec &&
        take(() =>
          withTenantWaves(
            waveSpec,
            tenants.some((t) => t.wave !== undefined)
          )
        ),
      maxFailures: tenants && maxFailures !== undefined ? take(() => parseCount(read('max-failures'), 'max-failures', 0, tenants.length)) : undefined,
      bakeSeconds: take(() => parseSeconds(read('bake'), 'bake', 0, MAX_BUDGET_SECONDS)),
      bakeCheck: take(() => parseBakeCheck(read)),
      maxParallel: take(() => parseCount(read('max-parallel'), 'max-parallel', 1, 256))
    },
    promotion,
    allowRollback,
    rollbackReason: take(() => requiredReason(read, allowRollback, 'allow-rollback', 'rollback-reason')),
    requireVerifiedIn: take(() => (read('require-verified-in') ? parseName(read('require-verified-in'), 'require-verified-in') : null)),
    lock: take(() => parseBoolean(read('lock'), 'lock')),
    lockTimeoutSeconds: take(() => parseSeconds(read('lock-timeout'), 'lock-timeout', 0, 24 * 3600)),
    dryRun: take(() => parseBoolean(read('dry-run'), 'dry-run')),
    historyFile: read('history-file') || null,
    windows: take(() => parseWindows(read, env.GITHUB_ACTOR || null)),
    notify: take(() => parseNotify(read)),
    run: parseRunContext(env, forge ?? 'auto', take)
  }
  checkProxyVariables(env, take)
  if (problems.length > 1) throw new InputErrors(problems)
  if (problems.length === 1) throw problems[0]
  // No input was invalid, so every value above is set.
  return deepFreeze(settings as Settings)
}

/** An input as given, trimmed, else its default (README, Inputs). */
function withDefaults(readRaw: InputReader): (name: string) => string {
  return (name) => (readRaw(name) ?? '').trim() || DEFAULTS.get(name) || ''
}

/** The notification inputs alone, for the post step, which writes a killed run's record and has no Settings. */
export function parseNotifySettings(readRaw: InputReader): NotifySettings | null {
  return parseNotify(withDefaults(readRaw))
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

/** A check runs only while a wave bakes: without a bake it would silently never run. */
function parseBakeCheck(read: (name: string) => string): string | null {
  const command = read('bake-check')
  if (command && Number(read('bake')) === 0) fail('bake-check', 'is set but bake is 0: it runs while a wave bakes; set bake to a number of seconds')
  return command || null
}

function parsePath(path: string, input: string): string {
  return path.startsWith('/') ? path : fail(input, `must start with '/', got '${neutralize(path, 80)}'`)
}

function readTenants(read: (name: string) => string, paths: TenantPaths, readTextFile: (path: string) => string) {
  const inline = read('tenants')
  const file = read('tenants-file')
  if (inline && file) throw new InputError('tenants-file', 'cannot be combined with tenants; pass one of them')
  if (!inline && !file) throw new InputError('tenants', 'is empty: pass tenants or tenants-file')
  if (inline) return parseTenants(inline, 'tenants', paths)
  let text: string
  try {
    text = readTextFile(file)
  } catch (error) {
    throw new InputError('tenants-file', `cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return parseTenants(text, 'tenants-file', paths)
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

/** A switch that needs a reason (allow-rollback, override-freeze): the reason is recorded with the actor, so it is required; without the switch it is refused as a mistake. */
function requiredReason(read: (name: string) => string, on: boolean | undefined, input: string, reasonInput: string): string | null {
  const reason = read(reasonInput)
  if (on === undefined) return null
  if (on && !reason) fail(reasonInput, `is required with ${input}: true; say why (it is recorded with who ran it)`)
  if (!on && reason) fail(reasonInput, `is set but ${input} is not true`)
  if (reason.length > 500) fail(reasonInput, `is ${reason.length} characters; at most 500`)
  return on ? reason : null
}

function parseWindows(read: (name: string) => string, actor: string | null): WindowSettings {
  const problems: InputError[] = []
  const entries = (input: string) => {
    try {
      return parseWindowEntries(read(input), input)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(error)
      return []
    }
  }
  const schedule = { allow: entries('deploy-windows'), deny: entries('deploy-freezes') }
  if (problems.length > 0) throw problems.length > 1 ? new InputErrors(problems) : problems[0]
  const overriding = parseBoolean(read('override-freeze'), 'override-freeze')
  const reason = requiredReason(read, overriding, 'override-freeze', 'override-reason')
  const allowed = read('override-actors')
    .split(/[\s,]+/)
    .filter(Boolean)
  if (overriding && allowed.length > 0 && !(actor && allowed.includes(actor))) {
    fail(
      'override-actors',
      `${actor ? `'${actor.slice(0, 40)}'` : 'an unknown actor (GITHUB_ACTOR is not set)'} may not override a freeze; allowed: ${allowed.join(', ').slice(0, 200)}`
    )
  }
  return { schedule, override: reason === null ? null : { actor, reason } }
}

function parseNotify(read: (name: string) => string): NotifySettings | null {
  const url = read('notify-url')
  const format = read('notify-format')
  const on = read('notify-on')
  if (format !== 'json' && format !== 'slack' && format !== 'teams') fail('notify-format', `must be json, slack or teams, got '${format.slice(0, 40)}'`)
  if (on !== 'red' && on !== 'always') fail('notify-on', `must be red or always, got '${on.slice(0, 40)}'`)
  if (!url) return null
  parseHttpUrl(url, 'notify-url')
  return { url, format, on }
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
    runUrl: take(() => runUrlFrom(env, serverUrl ?? '', repository, detectForgeKind(forge, { apiUrl: apiUrl ?? '', giteaActions }))),
    giteaActions,
    actor: env.GITHUB_ACTOR || null
  }
}

export const DEFAULT_SERVER_URL = 'https://github.com'

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
