// Named source mutations the simulation can bundle instead of the real code (`npm run sim -- --mutant <name>`):
// each switches one safety rule off, to show the checker finds the break it prevents. `find` must occur
// exactly once in `file` (relative to the repository root); run.mjs refuses to start when any does not,
// so a mutation never silently stops applying when the code it targets changes. `finding` matches the
// violation the checker reports, and the test suite asserts it is found within `foundWithin` schedules
// (seeds 1..foundWithin; `npm run sim -- --mutant <name> --seeds <foundWithin> --first --kind <finding>`).
export const MUTANTS = [
  {
    name: 'fail-open-rolls-unknown',
    rule: 'a run that could not prove it owns the branch leaves tenants of unknown or unrelated commit alone',
    file: 'src/core/deploy.ts',
    find: 'const owns = run.guard.proven && (run.held.lock !== null || !run.settings.lock)',
    replace: 'const owns = true',
    finding: 'moved back',
    foundWithin: 200
  },
  {
    name: 'no-verdict-reread',
    rule: 'before a converged verdict, every tenant counted from an earlier read is read once more',
    file: 'src/stages/verify.ts',
    find: 'const regressed = await confirmSettled(readBefore, reports, ctx)',
    replace: 'const regressed: TenantReport[] = []',
    finding: 'counting \\w+ as on',
    foundWithin: 20
  },
  {
    name: 'refused-token-fails-open',
    rule: 'a refused token (401/403) on the branch-head read fails the run instead of failing open',
    file: 'src/stages/ownership.ts',
    find: 'if (isAccessDenied(error)) throw error',
    replace: '',
    finding: 'refused by the forge \\(401\\)',
    foundWithin: 50
  },
  {
    name: 'plan-rolls-ahead',
    rule: 'planning leaves a tenant that is ahead of the expected commit alone',
    file: 'src/stages/plan.ts',
    find: "if (tenant.state === 'ahead') continue",
    replace: "if (tenant.state === 'ahead') {\n      proven.push(tenant.name)\n      continue\n    }",
    finding: 'moved back',
    foundWithin: 20
  },
  {
    name: 'promote-backward',
    rule: ':latest moves only to its commit or a descendant',
    file: 'src/stages/promote.ts',
    find: 'if (!verdict.forward && !o.allowRollback) {',
    replace: 'if (false) {',
    finding: ':latest moved back',
    foundWithin: 50
  },
  {
    name: 'lock-claim-readback',
    rule: 'after a claim whose answer was lost or refused, the lock is ours only when it names our nonce',
    file: 'src/stages/lock.ts',
    find: 'if (state?.holder && ours.has(state.holder.nonce)) {',
    replace: 'if (state?.holder && (ours.has(state.holder.nonce) || lostClaims > 0)) {',
    finding: 'while the lock is held by',
    foundWithin: 50
  }
]
