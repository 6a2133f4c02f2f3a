// Named source mutations the simulation can bundle instead of the real code (`npm run sim -- --mutant <name>`):
// each switches one safety rule off, to show the checker finds the break it prevents. `find` must occur
// exactly once in `file` (relative to the repository root); run.mjs refuses to start when any does not,
// so a mutation never silently stops applying when the code it targets changes. `finding` matches the
// violation the checker reports, and the test suite asserts it is found in the seeds `foundIn` (first and
// last: `npm run sim -- --mutant <name> --from <first> --seeds <count> --first --kind <finding>`).
export const MUTANTS = [
  {
    name: 'fail-open-rolls-unknown',
    rule: 'a run that could not prove it owns the branch leaves tenants of unknown or unrelated commit alone',
    file: 'src/core/deploy.ts',
    find: 'const owns = run.guard.proven && (run.held.lock !== null || !run.settings.lock)',
    replace: 'const owns = true',
    finding: 'moved back',
    foundIn: [1, 200]
  },
  {
    name: 'fail-open-ignores-newer',
    rule: 'a run that failed open rolls nothing once any tenant already runs a newer commit',
    file: 'src/core/deploy.ts',
    find: 'if (!owns && newer.length > 0) {',
    replace: 'if (false) {',
    finding: 'pushes stopped at',
    foundIn: [3501, 3600]
  },
  {
    name: 'no-verdict-reread',
    rule: 'before a converged verdict, every tenant counted from an earlier read is read once more',
    file: 'src/stages/verify.ts',
    find: 'const regressed = await confirmSettled(readBefore, reports, ctx)',
    replace: 'const regressed: TenantReport[] = []',
    finding: 'counting \\w+ as on',
    foundIn: [1, 20]
  },
  {
    name: 'refused-token-fails-open',
    rule: 'a refused token (401/403) on the branch-head read fails the run instead of failing open',
    file: 'src/stages/ownership.ts',
    find: 'if (isAccessDenied(error)) throw error',
    replace: '',
    finding: 'refused by the forge \\(401\\)',
    foundIn: [1, 50]
  },
  {
    name: 'promote-backward',
    rule: ':latest moves only to its commit or a descendant',
    file: 'src/stages/promote.ts',
    find: 'if (!verdict.forward && !o.allowRollback) {',
    replace: 'if (false) {',
    finding: ':latest moved back',
    foundIn: [1, 50]
  },
  {
    name: 'lock-claim-readback',
    rule: 'after a claim whose answer was lost or refused, the lock is ours only when it names our nonce',
    file: 'src/stages/lock.ts',
    find: 'if (state?.holder && ours.has(state.holder.nonce)) {',
    replace: 'if (state?.holder && (ours.has(state.holder.nonce) || lostClaims > 0)) {',
    finding: 'while the lock is held by',
    foundIn: [1, 50]
  }
]
