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
    // A workflow command when a runner reads us, a plain line on a terminal.
    process.stdout.write(process.env.GITHUB_ACTIONS === 'true' ? `::error::${problem}\n` : `error: ${problem}\n`)
    process.exitCode = 1
    return
  }
  start().catch((error: unknown) => {
    process.stdout.write(`::error::fleet-forward internal error: ${String(error instanceof Error ? error.stack : error).replace(/\r?\n/g, ' | ')}\n`)
    process.exitCode = 1
  })
}
