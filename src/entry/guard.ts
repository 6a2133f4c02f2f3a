/**
 * The first code a runner executes. It is bundled for old syntax (es2017) so that on a job image with
 * Node 16 (act_runner's old default labels) it still runs far enough to say what is wrong, before
 * the real bundle, which needs Node 20, is even loaded.
 */
export const MINIMUM_NODE_MAJOR = 20

export function nodeVersionProblem(version: string, execPath: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (major >= MINIMUM_NODE_MAJOR) return null
  return (
    `fleet-forward needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but this job runs Node.js ${version} (${execPath}). ` +
    'On Gitea act_runner the job container supplies node: use an image with Node 20+ ' +
    '(e.g. `container: node:20-bookworm`, or map the runner label to a current runner image); ' +
    'on a self-hosted GitHub runner, update the runner. Nothing was changed.'
  )
}

/** Runs `start` on a supported Node, or stops at once with an error that names the version found. */
export function launch(start: () => Promise<unknown>): void {
  const problem = nodeVersionProblem(process.version, process.execPath)
  if (problem) {
    process.stdout.write(errorLine(problem, process.env))
    process.exitCode = 1
    return
  }
  start().catch((error: unknown) => {
    process.stdout.write(errorLine(`fleet-forward internal error: ${String(error instanceof Error ? error.stack : error)}`, process.env))
    process.exitCode = 1
  })
}

/**
 * An error as one line of stdout: a workflow command only where a runner reads them (GITHUB_ACTIONS,
 * which act_runner sets too), on one line and with `%` escaped as @actions/core escapes command data,
 * so the text cannot start another command; a plain line everywhere else (the CLI on a laptop).
 */
export function errorLine(message: string, env: { readonly GITHUB_ACTIONS?: string }): string {
  const oneLine = message.replace(/\r?\n|\r/g, ' | ')
  if (env.GITHUB_ACTIONS !== 'true') return `error: ${oneLine}\n`
  return `::error::${oneLine.replace(/%/g, '%25')}\n`
}
