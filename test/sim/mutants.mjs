// Named source mutations the simulation can bundle instead of the real code (`npm run sim -- --mutant <name>`):
// each switches one safety rule off, to show the checker finds the break it prevents. `find` must occur
// exactly once in `file` (relative to the repository root); run.mjs refuses to start when any does not,
// so a mutation never silently stops applying when the code it targets changes. `finding` matches the
// violation the checker reports, and the test suite asserts it is found in the seeds `foundIn` (first and
// last: `npm run sim -- --mutant <name> --from <first> --seeds <count> --first --kind <finding>`), or, for a
// rule whose break random schedules reach too rarely, by the named case `foundBy` (`npm run sim -- --mutant
// <name> --<case>`).
export const MUTANTS = [
  {
    name: 'fail-open-rolls-unknown',
    rule: 'a run that could not prove it owns the branch leaves tenants of unknown or unrelated commit alone',
    file: 'src/core/run.ts',
    find: "return this.guard.proven && (this.held.lock !== null || !this.settings.lock) ? null : 'this run could not prove it owns the branch'",
    replace: 'return null',
    finding: 'moved back|pushes stopped at',
    foundBy: 'incident-fail-open'
  },
  {
    name: 'fail-open-ignores-newer',
    rule: 'a run that failed open rolls nothing once any tenant already runs a newer commit',
    file: 'src/stages/plan.ts',
    find: 'if (plan.newer.length > 0) {',
    replace: 'if (false) {',
    finding: 'moved back|pushes stopped at',
    foundBy: 'incident-fail-open-fallback'
  },
  {
    name: 'fail-open-ignores-previous-holder',
    rule: 'a run that failed open rolls nothing when the run it waited on for the lock deployed a commit not proven older',
    file: 'src/stages/plan.ts',
    find: 'if (plan.newerHolder) {',
    replace: 'if (false) {',
    finding: 'moved back|pushes stopped at',
    foundBy: 'incident-fail-open-after-holder'
  },
  {
    name: 'release-forgets-run',
    rule: 'a run that finds the lock released weighs the runs the release names',
    file: 'src/stages/lock.ts',
    find: ': (state?.released ?? [])',
    replace: ': []',
    finding: 'moved back|pushes stopped at',
    foundBy: 'incident-fail-open-after-release'
  },
  {
    name: 'release-forgets-earlier',
    rule: 'a release names, after the releasing run, the runs that run had learned of',
    file: 'src/forge/lock-holder.ts',
    find: 'return { released: [{ runUrl: holder.runUrl, sha: holder.sha }, ...earlierRuns(holder, holder.earlier ?? [])] }',
    replace: 'return { released: [{ runUrl: holder.runUrl, sha: holder.sha }] }',
    finding: 'moved back|pushes stopped at',
    foundBy: 'incident-fail-open-chain'
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
    name: 'promote-backward',
    rule: ':latest moves only to its commit or a descendant',
    file: 'src/stages/promote.ts',
    find: 'if (!verdict.forward && !o.allowRollback) {',
    replace: 'if (false) {',
    finding: ':latest moved back',
    foundIn: [1, 20]
  },
  {
    name: 'lock-claim-readback',
    rule: 'after a claim whose answer was lost or refused, the lock is ours only when it names our nonce',
    file: 'src/stages/lock.ts',
    find: 'if (state?.holder?.nonce === nonce) return held(state)',
    replace: 'if (state?.holder && (state.holder.nonce === nonce || lostClaims > 0)) return held(state)',
    finding: 'while the lock is held by|inside its side-effect section',
    foundIn: [1, 20]
  },
  {
    name: 'lease-on-runner-clock',
    rule: 'a lease is judged on the forge clock (its Date header), not on the waiting runner clock',
    file: 'src/stages/lock.ts',
    find: 'if (isFree(state, forge.forgeNow())) {',
    replace: 'if (isFree(state, clock.now())) {',
    finding: 'while the lock is held by|inside its side-effect section',
    foundIn: [1, 20]
  },
  {
    name: 'no-lease-renewal',
    rule: 'the lease is renewed by compare-and-swap once less than half of it remains',
    file: 'src/stages/lock.ts',
    find: 'if (remaining > (this.leaseSeconds * 1000) / 2) return true',
    replace: 'return true',
    finding: 'while the lock is held by|inside its side-effect section',
    foundIn: [1, 100]
  },
  {
    name: 'release-not-left-to-post-step',
    rule: 'a release the forge refused or did not answer keeps the saved nonce, so the post step retries it',
    file: 'src/core/deploy.ts',
    find: 'if (held.lock && (await held.lock.release())) deps.onLock?.(null)',
    replace: 'if (held.lock) {\n      await held.lock.release()\n      deps.onLock?.(null)\n    }',
    finding: 'held after its post step',
    foundIn: [1, 20]
  },
  {
    name: 'lock-claim-retries-403',
    rule: 'a 403 on the lock claim ends the run at once as permission',
    file: 'src/stages/lock.ts',
    find: 'if (isFatal(error)) throw lockFailure(name, error)\n        lostClaims++',
    replace: 'lostClaims++',
    finding: 'refused by the forge \\(403\\)',
    foundIn: [1, 20]
  },
  {
    name: 'promote-before-verify',
    rule: ':latest is promoted only after the last wave verified',
    file: 'src/core/deploy.ts',
    find: '(await rollOut(run)) ??\n      (await promote(run)) ??',
    replace: '(await promote(run)) ??\n      (await rollOut(run)) ??',
    finding: 'moved :latest to \\w+ before it had read every tenant on it',
    foundIn: [1, 20]
  },
  {
    name: 'renew-every-proof',
    rule: 'a proof above half a lease writes nothing: the lease is renewed only below half',
    file: 'src/stages/lock.ts',
    find: 'if (remaining > (this.leaseSeconds * 1000) / 2) return true',
    replace: 'if (remaining > Infinity) return true',
    finding: 'forge writes .*a run.s proof of ownership must cost',
    foundIn: [1, 20]
  },
  {
    name: 'unhealthy-counts-converged',
    rule: 'a tenant on the new commit whose health check has not passed is unhealthy, not converged',
    file: 'src/fleet/classify.ts',
    find: "return healthy === false && state !== 'stale' ? 'unhealthy' : state",
    replace: 'return state',
    finding: 'fails its health check',
    foundIn: [1, 30]
  },
  {
    name: 'no-ownership-recheck',
    rule: 'the proof before a side effect (a wave redeploy, the promote, a verify round) re-reads the branch head',
    file: 'src/core/run.ts',
    find: '    if (!(await this.guard.stillOwner())) return this.superseded()\n',
    replace: '',
    finding: 'was pushed on top of it',
    foundIn: [1, 20]
  },
  {
    name: 'gate-passes-unverified',
    rule: 'the gate blocks a commit without a success record from the upstream environment',
    file: 'src/stages/gate.ts',
    find: 'if (!status) return { passed: false,',
    replace: 'if (!status) return { passed: true,',
    finding: 'never verified in staging',
    foundIn: [1, 20]
  },
  {
    name: 'plan-rolls-newer',
    rule: 'a tenant that reports a newer commit is not planned for the rollout',
    file: 'src/stages/plan.ts',
    find: "    if (tenant.state === 'ahead' && tenant.actual !== null) newer.push({ name: tenant.name, actual: tenant.actual })\n    if (tenant.state === 'ahead') continue\n",
    replace: "    if (tenant.state === 'ahead') {\n      proven.push(tenant.name)\n      continue\n    }\n",
    finding: 'moved back',
    foundBy: 'incident-fail-open-fallback'
  },
  {
    name: 'no-reread-after-promote',
    rule: 'after the promotion (the tag moved, or already pointed there), the whole fleet is verified again before the success record',
    file: 'src/core/finish.ts',
    find: '  // The promotion took time: the success record below must be true of the fleet when it is written.\n',
    replace: '  return null\n',
    finding: 'counting \\w+ as on',
    foundIn: [1, 40]
  }
]
