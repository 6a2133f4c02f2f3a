import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request, type Dispatcher } from 'undici'
import type { RedeploySettings } from '../config/settings.js'
import type { Logger } from '../types.js'
import type { Clock } from '../util/clock.js'
import { sharedDispatcher } from '../util/dispatcher.js'
import { classifyError, FleetError, HttpStatusError } from '../util/errors.js'
import { retryAfterSeconds, neverReachedServer, withRetries, type RetryPolicy } from '../util/retry-policy.js'
import { neutralize, readRemoteText } from '../util/sanitize.js'
import { forEachBounded } from '../fleet/bounded.js'
import { describeExit, runWatchedCommand, type WatchedCommandDeps } from '../util/watched-command.js'

export interface RedeployRequest {
  readonly tag: string
  readonly sha: string
  readonly environment: string
  readonly repository: string
  /** Names of the tenants to roll; tenants already on the expected commit are never in it. */
  readonly tenants: readonly string[]
  /** Stable per run and tenant, so a control plane can drop a duplicate of the same request. */
  readonly runKey: string
}

export interface RedeployDeps {
  readonly clock: Clock
  readonly log: Logger
  readonly signal?: AbortSignal
  /** Default: the run's proxy-aware dispatcher. */
  readonly dispatcher?: Dispatcher
  /**
   * Re-proves the run may still act (it owns the branch, it holds the lock and renewed its lease):
   * asked before every call to the control plane, and every `heartbeatMs` while a command runs.
   * False stops the redeploy with RedeployStopped; a command is killed.
   */
  readonly mayProceed?: () => Promise<boolean>
  readonly heartbeatMs?: number
  /** Told the redeploy-command's process group once it runs, and null once it ended (the post step stops a leftover one). */
  readonly onCommand?: WatchedCommandDeps['onCommand']
  /** How long a stopped command's group has between TERM and KILL (default 5 s). */
  readonly killGraceMs?: number
  /** Per-tenant calls in flight at once (default 1). */
  readonly maxParallel?: number
}

/** The run lost the right to act part-way through the redeploy; nothing further was sent. */
export class RedeployStopped extends FleetError {
  constructor(what: string) {
    super(`${what}: this run no longer owns the branch or the lock`, 'internal')
    this.name = 'RedeployStopped'
  }
}

const WEBHOOK_RETRY_POLICY: RetryPolicy = { attempts: 3, backoffMs: 2_000, maxBackoffMs: 8_000, maxWaitMs: 60_000 }
const REQUEST_TIMEOUT_MS = 30_000

/** Tells the fleet to roll: a webhook, a command, or nothing when the fleet pulls on its own. */
export async function redeployFleet(settings: RedeploySettings, req: RedeployRequest, deps: RedeployDeps): Promise<string> {
  if (req.tenants.length === 0) return 'every tenant already reports the expected commit; nothing redeployed'
  switch (settings.kind) {
    case 'none':
      return `no redeploy configured: waiting for ${req.tenants.length} tenant(s) to pull ${req.tag} on their own`
    case 'webhook':
      return settings.perTenant
        ? redeployPerTenant(settings.url, settings.token, req, deps)
        : postRedeploy(settings.url, settings.token, req, req.tenants, null, deps)
    case 'command':
      return runRedeployCommand(settings.command, req, deps)
  }
}

async function redeployPerTenant(url: string, token: string | null, req: RedeployRequest, deps: RedeployDeps): Promise<string> {
  // One call per tenant, at most maxParallel in flight, each preceded by proof that this run may still
  // act (the proof is shared by concurrent calls, so it costs the forge about one read a second): a slow
  // control plane must not let a run outlive its lease and roll tenants after a newer run. The first
  // refusal or failure stops new calls; calls already sent finish.
  let sent = 0
  let stop: unknown = null
  const halt = new AbortController()
  await forEachBounded(
    req.tenants,
    deps.maxParallel ?? 1,
    async (tenant) => {
      try {
        if (deps.mayProceed && !(await deps.mayProceed())) throw new RedeployStopped(`redeploy stopped after ${sent} of ${req.tenants.length} tenant call(s)`)
        if (halt.signal.aborted) return
        sent++
        await postRedeploy(url.replaceAll('{tenant}', encodeURIComponent(tenant)), token, req, [tenant], tenant, deps)
      } catch (error) {
        stop ??= error
        halt.abort()
      }
    },
    halt.signal
  )
  if (stop) throw stop
  return `redeploy requested for ${req.tenants.length} tenant(s), one call each, at most ${deps.maxParallel ?? 1} at once`
}

export function idempotencyKey(req: RedeployRequest, tenant: string | null): string {
  return createHash('sha256')
    .update(`${req.runKey}\0${req.environment}\0${req.tag}\0${tenant ?? '*'}`)
    .digest('hex')
    .slice(0, 32)
}

/**
 * A POST is retried (by the shared retry policy) only when it provably never reached the server
 * (connection refused, DNS, connect timeout) or when the server answered 429/503 with Retry-After; the
 * Idempotency-Key lets a control plane drop a duplicate in the remaining ambiguous cases.
 */
async function postRedeploy(
  url: string,
  token: string | null,
  req: RedeployRequest,
  tenants: readonly string[],
  tenant: string | null,
  deps: RedeployDeps
): Promise<string> {
  const endpoint = `POST ${redactUrl(url)}`
  const body = JSON.stringify({ tag: req.tag, sha: req.sha, environment: req.environment, repository: req.repository, tenants })
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': idempotencyKey(req, tenant),
    'user-agent': 'fleet-forward'
  }
  if (token) headers.authorization = `Bearer ${token}`
  const send = async (attemptNumber: number): Promise<string> => {
    let res: Dispatcher.ResponseData
    try {
      res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: deps.dispatcher ?? sharedDispatcher(),
        signal: deps.signal,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS
      })
    } catch (error) {
      if (deps.signal?.aborted) throw error
      const errorClass = classifyError(error)
      const why = neverReachedServer(errorClass) ? `after ${attemptNumber} attempt(s)` : 'not retried because the request may have been received'
      throw new FleetError(`${endpoint} failed (${errorClass}); ${why}`, errorClass, endpoint)
    }
    const text = await readRemoteText(res.body)
    if (res.statusCode >= 200 && res.statusCode < 300) {
      deps.log.info(`${endpoint}: HTTP ${res.statusCode}${tenant ? ` (${tenant})` : ''}`)
      return `redeploy requested for ${tenants.length} tenant(s)`
    }
    throw new HttpStatusError(res.statusCode, endpoint, neutralize(text, 200), retryAfterSeconds(res.headers, deps.clock.now()))
  }
  return withRetries(send, {
    policy: WEBHOOK_RETRY_POLICY,
    clock: deps.clock,
    // Sent once means acted on, perhaps: only a refusal or a connection never made is repeated.
    idempotent: false,
    signal: deps.signal,
    onRetry: (_error, waitMs, attemptNumber) =>
      deps.log.warning(`${endpoint}: retrying in ${Math.ceil(waitMs / 1000)}s (attempt ${attemptNumber + 1} of ${WEBHOOK_RETRY_POLICY.attempts})`)
  })
}

/** The URL without query string: a token in a query must not reach the log. */
function redactUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`
}

/** Environment variables carry the values; they are never interpolated into the command text. */
const MAX_INLINE_TENANTS_BYTES = 96 * 1024

async function runRedeployCommand(command: string, req: RedeployRequest, deps: RedeployDeps): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-forward-'))
  const tenantsFile = join(dir, 'tenants.json')
  writeFileSync(tenantsFile, JSON.stringify(req.tenants))
  const names = req.tenants.join('\n')
  const env = {
    FLEET_TAG: req.tag,
    FLEET_SHA: req.sha,
    FLEET_ENVIRONMENT: req.environment,
    FLEET_REPOSITORY: req.repository,
    FLEET_TENANTS_FILE: tenantsFile,
    // Linux caps one environment variable at 128 KiB; huge fleets read the file instead.
    FLEET_TENANTS: Buffer.byteLength(names) <= MAX_INLINE_TENANTS_BYTES ? names : ''
  }
  try {
    // The command runs as long as it runs; the heartbeat stops it the moment the run may no longer act,
    // so it cannot go on rolling tenants after a newer run took over.
    const { code, stopped } = await runWatchedCommand({ command, label: 'redeploy-command', env }, deps)
    if (stopped) throw new RedeployStopped('redeploy-command killed')
    if (code !== 0) throw new FleetError(`redeploy-command exited with ${describeExit(code)}`, 'internal', 'redeploy-command')
    return `redeploy-command rolled ${req.tenants.length} tenant(s)`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
