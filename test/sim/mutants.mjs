// Named source mutations the simulation can bundle instead of the real code (`npm run sim -- --mutant <name>`):
// each switches one safety rule off, to show the checker finds the break it prevents. `find` must occur
// exactly once in `file` (relative to the repository root); run.mjs refuses to start when any does not,
// so a mutation never silently stops applying when the code it targets changes.
export const MUTANTS = [
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
