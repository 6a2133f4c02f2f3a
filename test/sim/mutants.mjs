// Named source mutations the simulation can bundle instead of the real code (`npm run sim -- --mutant <name>`):
// each switches one safety rule off, to show the checker finds the break it prevents. `find` must occur
// exactly once in `file` (relative to the repository root); run.mjs refuses to start when any does not,
// so a mutation never silently stops applying when the code it targets changes.
export const MUTANTS = [
  {
    name: 'fail-open-rolls-unknown',
    rule: 'a run that could not prove it owns the branch leaves tenants of unknown or unrelated commit alone',
    file: 'src/core/deploy.ts',
    find: 'const owns = run.guard.proven && (run.held.lock !== null || !run.settings.lock)',
    replace: 'const owns = true'
  },
  {
    name: 'no-verdict-reread',
    rule: 'before a converged verdict, every tenant counted from an earlier read is read once more',
    file: 'src/stages/verify.ts',
    find: 'const regressed = await confirmSettled(readBefore, reports, ctx)',
    replace: 'const regressed: TenantReport[] = []'
  },
  {
    name: 'refused-token-fails-open',
    rule: 'a refused token (401/403) on the branch-head read fails the run instead of failing open',
    file: 'src/stages/ownership.ts',
    find: 'if (isAccessDenied(error)) throw error',
    replace: ''
  },
  {
    name: 'plan-rolls-ahead',
    rule: 'planning leaves a tenant that is ahead of the expected commit alone',
    file: 'src/stages/plan.ts',
    find: "if (tenant.state === 'ahead') continue",
    replace: "if (tenant.state === 'ahead') {\n      roll.push(tenant.name)\n      continue\n    }"
  },
  {
    name: 'promote-backward',
    rule: ':latest moves only to its commit or a descendant',
    file: 'src/stages/promote.ts',
    find: 'if (!verdict.forward && !o.allowRollback) {',
    replace: 'if (false) {'
  },
  {
    name: 'lock-claim-readback',
    rule: 'after a claim whose answer was lost or refused, the lock is ours only when it names our nonce',
    file: 'src/stages/lock.ts',
    find: 'if (state?.holder && ours.has(state.holder.nonce)) {',
    replace: 'if (state?.holder && (ours.has(state.holder.nonce) || lostClaims > 0)) {'
  }
]
