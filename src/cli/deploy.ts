import type { Dispatcher } from 'undici'
import { parseSettings } from '../config/parse.js'
import type { Settings } from '../config/settings.js'
import { deployFleet } from '../core/deploy.js'
import { GREEN_RESULTS } from '../types.js'
import { forgeFromSettings } from '../forge/detect.js'
import type { Forge } from '../forge/types.js'
import { failureAnnotations, renderLogTable } from '../report/summary.js'
import { notifyRun } from '../notify/send.js'
import { appendHistory, type RunRecord } from '../stages/record.js'
import type { Clock } from '../util/clock.js'
import { describeError, InputError, InputErrors } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { EXIT_USAGE, exitCodeOf } from './exit-codes.js'
import type { Invocation } from './flags.js'
import { secretEnvNames } from './help.js'
import { terminalLogger } from './logger.js'
import { renderOutcome } from './outcome.js'
import { RoundProgress } from './progress.js'
import { flagFor, inputReader, runtimeEnvOf, type Environment } from './run-inputs.js'
import { Terminal, type OutputStream } from './terminal.js'

/** Everything the CLI touches of its process, injected so tests and the demo run it in-process. */
export interface CliIO {
  readonly stdout: OutputStream
  readonly stderr: OutputStream
  readonly env: Environment
  readonly readTextFile: (path: string) => string
  readonly clock: Clock
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal
  readonly dispatcher?: Dispatcher
}

export interface DeployOutcome {
  readonly code: number
  /** null when the invocation never reached the pipeline (bad input: nothing was contacted). */
  readonly record: RunRecord | null
}

/** `fleet-forward deploy`: flags → settings → the shared pipeline → the one record, printed. */
export async function runDeploy(invocation: Invocation, io: CliIO): Promise<DeployOutcome> {
  const read = inputReader(invocation, io.env)
  const term = new Terminal(invocation.json ? io.stderr : io.stdout)
  for (const name of invocation.secretsOnCommandLine) {
    term.line(`warning: --${name} on the command line is visible to every user of this machine (ps, shell history); set ${secretEnvNames(name)[0]} instead`)
  }

  let settings: Settings
  let forge: Forge
  try {
    settings = parseSettings(read, runtimeEnvOf(invocation, io.env), io.readTextFile)
    forge = forgeFromSettings(settings, io.clock, io.dispatcher)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    reportInputError(error, invocation, io)
    return { code: EXIT_USAGE, record: null }
  }

  const progress = new RoundProgress(term, settings.settleBudgetSeconds, settings.settleIntervalSeconds)
  const log = terminalLogger(term, progress)
  const record = await deployFleet(settings, {
    forge,
    clock: io.clock,
    log,
    signal: io.signal,
    dispatcher: io.dispatcher,
    onRound: progress.onRound
  })
  progress.finish()

  if (settings.historyFile && !record.dry_run) {
    try {
      appendHistory(settings.historyFile, record)
    } catch (error) {
      log.warning(`could not append to --history-file '${settings.historyFile}': ${neutralize(describeError(error), 300)}`)
    }
  }
  // A red run gets the per-tenant table the action's log has, needy tenants first; a green one its verdict only.
  if (!GREEN_RESULTS.has(record.result) && record.tenants.some((t) => t.state !== 'pending')) {
    for (const line of renderLogTable(record)) term.line(line)
  }
  // Each class of failing tenant once, as the action annotates them, right above the verdict.
  for (const line of failureAnnotations(record)) term.line(`error: ${line}`)
  for (const line of renderOutcome(record)) term.line(line)
  if (invocation.json) io.stdout.write(`${JSON.stringify(record, null, 2)}\n`)
  await notifyRun(record, settings.notify, { log, dispatcher: io.dispatcher })
  return { code: exitCodeOf(record.result), record }
}

/**
 * `input 'settle-budget': must be …` becomes `--settle-budget: must be …`, the name typed on a command
 * line; several invalid inputs are one line each.
 */
function reportInputError(error: InputError, invocation: Invocation, io: CliIO): void {
  const errors = error instanceof InputErrors ? error.errors : [error]
  const lines = errors.map((each) => {
    const problem = neutralize(each.message, Infinity)
      .replace(`input '${each.input}': `, '')
      .replace(/ \(CLI: --[a-z-]+\)$/, '')
    const hint = each.input === 'token' ? ` (set ${secretEnvNames('token').join(', ')})` : ''
    return `fleet-forward: ${flagFor(each.input, invocation, io.env)}: ${problem}${hint}\n`
  })
  const head = errors.length > 1 ? `fleet-forward: ${errors.length} inputs are invalid:\n` : ''
  io.stderr.write(`${head}${lines.join('')}Nothing was contacted. See fleet-forward --help.\n`)
}
