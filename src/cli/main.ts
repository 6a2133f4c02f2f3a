import { readFileSync } from 'node:fs'
import { systemClock } from '../util/clock.js'
import { describeError } from '../util/errors.js'
import { neutralize } from '../util/sanitize.js'
import { runDeploy, type CliIO } from './deploy.js'
import { EXIT_CODES, EXIT_USAGE } from './exit-codes.js'
import { parseInvocation, UsageError } from './flags.js'
import { renderHelp } from './help.js'
import packageJson from '../../package.json' with { type: 'json' }

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv.length === 0) {
    // A bare `fleet-forward` is someone finding out what it does, not a deploy with every input from the environment.
    io.stderr.write(`${renderHelp()}\nfleet-forward: no command; to deploy with inputs from the environment only, run \`fleet-forward deploy\`\n`)
    return EXIT_USAGE
  }
  let invocation
  try {
    invocation = parseInvocation(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`fleet-forward: ${error.message}\n`)
    return EXIT_USAGE
  }
  switch (invocation.command) {
    case 'help':
      io.stdout.write(renderHelp())
      return 0
    case 'version':
      io.stdout.write(`fleet-forward ${packageJson.version}\n`)
      return 0
    case 'demo': {
      // Loaded only when asked for: a deploy never parses the demo's simulated forge, registry and fleet.
      const { runDemo } = await import('../demo/replay.js')
      return runDemo({ out: io.stdout, signal: io.signal })
    }
    case 'deploy':
      return (await runDeploy(invocation, io)).code
  }
}

/** The process around runCli: real streams, files and clock; SIGINT/SIGTERM cancel the run, which records `aborted`. */
export async function main(): Promise<void> {
  const controller = new AbortController()
  const cancel = (signal: NodeJS.Signals): void => {
    process.stderr.write(`fleet-forward: ${signal} received, stopping (press Ctrl-C again to quit at once)\n`)
    controller.abort(new Error(`received ${signal}`))
  }
  process.once('SIGINT', cancel)
  process.once('SIGTERM', cancel)
  try {
    process.exitCode = await runCli(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      readTextFile: (path) => readFileSync(path, 'utf8'),
      clock: systemClock,
      signal: controller.signal
    })
  } catch (error) {
    process.stderr.write(`fleet-forward: internal error: ${neutralize(describeError(error), 1000)}\n`)
    process.exitCode = EXIT_CODES.failed
  } finally {
    process.removeListener('SIGINT', cancel)
    process.removeListener('SIGTERM', cancel)
  }
}
