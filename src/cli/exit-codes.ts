import type { Result } from '../core/types.js'

/**
 * The exit status says how the run ended, so a CI job (GitLab, Jenkins, a shell script) can branch on
 * it without parsing output. Green results share 0, as they leave an Actions step green; each red
 * result has its own code. 64 is EX_USAGE from sysexits.h: nothing was contacted.
 */
export const EXIT_CODES: Readonly<Record<Result, number>> = {
  deployed: 0,
  noop: 0,
  superseded: 0,
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

/** The table --help prints. */
export function exitCodeTable(): string[] {
  return [
    '0   deployed, noop or superseded (green: nothing needs a person)',
    '1   stale: a tenant did not report the expected commit within settle-budget (each one is named)',
    '2   blocked: the gate or the promotion refused (fail-closed)',
    '3   failed: the forge, registry or redeploy could not be used',
    '4   aborted: cancelled by SIGINT/SIGTERM; nothing was rolled back',
    '64  bad usage or input: an unknown flag or an invalid value, named; nothing was contacted',
    `    (demo: 0 when every expectation held, ${EXIT_DEMO_FAILED} otherwise)`
  ]
}
