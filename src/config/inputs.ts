/**
 * The inputs of the README (Inputs) in one table: action.yml, the CLI's flags and --help are checked against it
 * (__tests__/config/inputs.test.ts), so the three never drift apart.
 */
export interface InputSpec {
  readonly name: string
  /** Default as the user sees it; '' when the default is computed (see description). */
  readonly default: string
  readonly description: string
  readonly secret?: boolean
}

export const INPUTS: readonly InputSpec[] = [
  {
    name: 'token',
    default: '',
    secret: true,
    description: 'Forge token (the action defaults to github.token; the CLI reads FLEET_FORWARD_TOKEN, GITHUB_TOKEN or GITEA_TOKEN).'
  },
  { name: 'forge', default: 'auto', description: "'github', 'gitea', or 'auto' to detect Gitea's act_runner (GITEA_ACTIONS=true or an /api/v1 API URL)." },
  { name: 'environment', default: 'production', description: 'Environment name; keys the lock, the record, the deployment and the gate.' },
  { name: 'environment-url', default: '', description: "The environment's address (http or https), shown on the GitHub deployment." },
  { name: 'branch', default: '', description: "Deploy branch whose head decides ownership; defaults to the repository's default branch." },
  { name: 'sha', default: '', description: "Commit this run deploys; defaults to the run's commit (GITHUB_SHA)." },
  { name: 'target-tag', default: '', description: 'Image tag to roll out; defaults to staging-<first 7 of sha>.' },
  {
    name: 'expected-sha',
    default: '',
    description:
      "Commit tenants must report; derived from sha when target-tag is derived from it, else from the image's org.opencontainers.image.revision label."
  },
  { name: 'tenants', default: '', description: 'One tenant a line, "name url", or a JSON array of {"name","url"}.' },
  {
    name: 'tenants-file',
    default: '',
    description: 'Path to a file in the same format as tenants (large fleets: an input is one environment variable, at most 128 KiB).'
  },
  { name: 'buildinfo-path', default: '/buildinfo', description: 'Appended to a tenant url that is a base URL (no path).' },
  {
    name: 'sha-field',
    default: 'sha,git_sha,commit,revision',
    description: 'JSON field(s) of the buildinfo body holding the running commit, first present wins.'
  },
  {
    name: 'health-path',
    default: '',
    description:
      'Health check: GET every tenant that reports the expected commit here (in place of buildinfo-path, or on its origin) until it answers 2xx health-successes times in a row; a tenant\'s own "health" (JSON) or third column overrides it.'
  },
  { name: 'health-successes', default: '2', description: 'Health checks in a row that must answer 2xx before a tenant counts as healthy (1-20).' },
  { name: 'health-failures', default: '3', description: 'Failed health checks in a row that make a tenant unhealthy (1-20); a single failure never does.' },
  { name: 'settle-budget', default: '240', description: 'Seconds the fleet has to report the expected commit.' },
  { name: 'settle-interval', default: '20', description: 'Seconds between verify rounds.' },
  {
    name: 'waves',
    default: '',
    description:
      'Progressive rollout: cumulative counts or percentages of the tenants to redeploy, e.g. \'1, 10%, 100%\' (ends with 100%); or a "wave" field per tenant in a JSON tenants list. Default: one wave.'
  },
  {
    name: 'max-failures',
    default: '0',
    description:
      "How many tenants of the waves rolled so far may be stale, unhealthy or unreachable at a wave's verdict before the run halts (later waves untouched)."
  },
  {
    name: 'bake',
    default: '0',
    description: 'Seconds a converged wave soaks (ownership still re-checked) before it is confirmed again and the next wave starts.'
  },
  {
    name: 'bake-check',
    default: '',
    description:
      'Shell command run every settle-interval during bake (e.g. a metrics query); a non-zero exit halts the run before the next wave or the promotion. Values arrive in FLEET_* environment variables.'
  },
  { name: 'max-parallel', default: '16', description: 'Per-tenant redeploy calls ({tenant} in redeploy-url) in flight at once.' },
  { name: 'redeploy-url', default: '', description: 'POST a JSON redeploy request here; a {tenant} placeholder makes one call per tenant.' },
  { name: 'redeploy-token', default: '', secret: true, description: 'Bearer token for redeploy-url.' },
  {
    name: 'redeploy-command',
    default: '',
    description: 'Shell command that rolls the fleet; values arrive in FLEET_* environment variables, never in the command text.'
  },
  { name: 'image', default: '', description: 'Image to promote, host[:port]/path (Docker Hub when there is no host).' },
  { name: 'promote-tag', default: 'latest', description: 'Tag that is moved to the manifest of target-tag.' },
  { name: 'registry-username', default: '', description: 'Registry user for basic or token auth.' },
  { name: 'registry-password', default: '', secret: true, description: 'Registry password or token.' },
  { name: 'allow-rollback', default: 'false', description: 'Permit moving the fleet and promote-tag to an older commit (requires rollback-reason).' },
  { name: 'rollback-reason', default: '', description: 'Why the fleet is moved back; required with allow-rollback, recorded with the actor.' },
  { name: 'require-verified-in', default: '', description: 'Upstream environment that must have verified the expected commit (fail-closed gate).' },
  {
    name: 'deploy-windows',
    default: '',
    description:
      'When a run may act, one window a line: "<from cron> <to cron> <time zone>" (e.g. "0 9 * * 1-5  0 17 * * 1-5  Europe/Berlin") or "<YYYY-MM-DDTHH:MM> <YYYY-MM-DDTHH:MM> <time zone>". Default: always.'
  },
  {
    name: 'deploy-freezes',
    default: '',
    description:
      'When a run may not act, in the same format as deploy-windows; a freeze beats a window. Outside, a run ends deferred (green) and touches nothing.'
  },
  {
    name: 'override-freeze',
    default: 'false',
    description: 'Deploy even outside the windows or during a freeze (requires override-reason); recorded with the actor.'
  },
  { name: 'override-reason', default: '', description: 'Why the freeze is overridden; required with override-freeze.' },
  {
    name: 'override-actors',
    default: '',
    description: 'Who may override a freeze (GITHUB_ACTOR names, comma or space separated); default: anyone who can run the workflow.'
  },
  { name: 'lock', default: 'true', description: 'Serialize runs for the same repository and environment through the forge.' },
  { name: 'lock-timeout', default: '600', description: 'Seconds to wait for the lock before the run ends blocked.' },
  { name: 'dry-run', default: 'false', description: 'Read and plan only; write nowhere.' },
  { name: 'history-file', default: '', description: 'Append one JSON line per run to this file.' },
  { name: 'notify-url', default: '', secret: true, description: 'POST one message per run here (a chat webhook or any JSON receiver); treated as a secret.' },
  {
    name: 'notify-format',
    default: 'json',
    description: "'json' (the message as JSON), 'slack' (incoming webhook) or 'teams' (incoming webhook, MessageCard)."
  },
  {
    name: 'notify-on',
    default: 'red',
    description: "'red' (a run that ended stale, blocked, failed or aborted) or 'always' (every run, deferred runs and freeze overrides included)."
  }
]

export const OUTPUTS: readonly { readonly name: string; readonly description: string }[] = [
  { name: 'result', description: 'deployed, noop, planned, superseded, deferred (green) or stale, blocked, failed, aborted (red).' },
  { name: 'superseded', description: "'true' when a newer commit owns the deploy branch." },
  { name: 'head-sha', description: 'Deploy branch head read at the start of the run.' },
  { name: 'expected-sha', description: 'Commit the tenants had to report.' },
  { name: 'stale-tenants', description: 'JSON array of tenant names that did not report the expected commit, or reported it but were unhealthy.' },
  { name: 'report', description: 'The run record as JSON.' }
]
