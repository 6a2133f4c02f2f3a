import type { Result } from '../types.js'

/**
 * The exit status says how the run ended, so a CI job (GitLab, Jenkins, a shell script) can branch on
 * it without parsing output. Green results share 0, as they leave an Actions step green; each red
 * result has its own code. 64 is EX_USAGE from sysexits.h: nothing was contacted.
 */
export const EXIT_CODES: Readonly<Record<Result, number>> = {
  deployed: 0,
  noop: 0,
  planned: 0,
  superseded: 0,
  deferred: 0,
  stale: 1,
  blocked: 2,
  failed: 3,
  aborted: 4
}

export const EXIT_USAGE = 64

/** `fleet-forward demo`: an expectation of the replay did not hold. */
export const EXIT_DEMO_FAILED = 1

export function exitCodeOf(result: Result): number {
  return EXIT_CODES[result]
}

/** What each exit code means: --help prints this table and the README shows the same rows (a test compares them). */
export const EXIT_CODE_MEANINGS: readonly (readonly [code: number, meaning: string])[] = [
  [0, 'deployed, noop, planned (a dry run), superseded or deferred (green: nothing needs a person)'],
  [1, 'stale: a tenant did not report the expected commit within settle-budget (each one is named)'],
  [2, 'blocked: refused by the gate, the lock (lock-timeout) or the promotion (:latest would go back)'],
  [3, 'failed: the forge, registry or redeploy could not be used, or the token was refused'],
  [4, 'aborted: cancelled by SIGINT/SIGTERM; nothing was rolled back'],
  [EXIT_USAGE, 'bad usage or input: an unknown flag, or every invalid value, each named; nothing was contacted']
]

/** The table --help prints. */
export function exitCodeTable(): string[] {
  return [
    ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `${String(code).padEnd(3)} ${meaning}`),
    `    (demo: 0 when every expectation held, ${EXIT_DEMO_FAILED} otherwise)`
  ]
}
