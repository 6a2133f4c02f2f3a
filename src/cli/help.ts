import { INPUTS, OUTPUTS } from '../config/inputs.js'
import { exitCodeTable } from './exit-codes.js'
import { CONTEXT_FLAGS, envNameOf, TOOL_FLAGS } from './flags.js'

const NAME_WIDTH = 30
const TEXT_WIDTH = 72

/** --help, built from the input table so every input is explained and none is forgotten. */
export function renderHelp(): string {
  const inputRows = INPUTS.map((spec) => {
    const envNames = secretEnvNames(spec.name)
    const notes = [
      spec.default ? `default: ${spec.default}` : '',
      spec.secret && !spec.description.includes(envNames[0]) ? `secret: set ${envNames.join(' or ')} rather than the flag` : ''
    ]
    const value = spec.default === 'true' || spec.default === 'false' ? '[true|false]' : '<value>'
    return row(`--${spec.name} ${value}`, [spec.description, ...notes.filter(Boolean).map((n) => `(${n})`)].join(' '))
  })
  const result = OUTPUTS.find((output) => output.name === 'result')
  return [
    'fleet-forward: deploy a fleet of tenants without ever rolling it (or :latest) backward;',
    "verify every tenant's buildinfo and fail loudly, by name, when one is stale.",
    '',
    'Usage:',
    row('fleet-forward [deploy] --flag value …', 'Run the pipeline: ownership → redeploy → promote → settle/verify → record.'),
    row('fleet-forward demo', 'Replay the incident on a local simulated forge, registry and fleet (127.0.0.1 only).'),
    row('fleet-forward help', 'This text (also --help, -h).'),
    '',
    `Inputs: flags named exactly like the action's inputs. A flag that is not given is read from`,
    `FLEET_FORWARD_<INPUT> (e.g. ${envNameOf('settle-budget')}=30), else its default. A switch alone means true`,
    '(--dry-run); --lock false turns one off.',
    ...inputRows,
    '',
    'Run context: what a runner would set. Each flag falls back to its variable, so the CLI also runs',
    'inside a job that exports them.',
    ...CONTEXT_FLAGS.map((spec) => row(`--${spec.flag} <value>`, `${spec.description} (env ${spec.env})`)),
    row('GITHUB_SHA', 'Default for --sha.'),
    row('GITEA_ACTIONS=true', 'Selects Gitea under --forge auto.'),
    row(
      'GITHUB_ACTIONS=true',
      'Inside Actions: without --run-url, the run links to its page, <server>/<repository>/actions/runs/<run-id> on GitHub, …/runs/<GITHUB_RUN_NUMBER> on Gitea.'
    ),
    '',
    'Output:',
    ...TOOL_FLAGS.map((spec) => row(`--${spec.flag}`, spec.description)),
    'On a terminal a live block shows each verify round (counts, the time left in the settle budget, and',
    'the tenants still rolling or waiting for their first read; none is stale before the budget ends);',
    'otherwise each round is one plain line. Errors name the tenant: hongming is stale: actual=…, expected=….',
    '',
    'Secrets: pass tokens and passwords in the environment, not as flags (flags show in `ps`):',
    ...INPUTS.filter((spec) => spec.secret).map((spec) => {
      const names = secretEnvNames(spec.name)
      return row(names.join(', '), names.length > 1 ? `${spec.name} (the first one set wins)` : spec.name)
    }),
    '',
    `Result: ${result?.description ?? ''}`,
    '',
    'Exit codes:',
    ...exitCodeTable().map((line) => `  ${line}`),
    ''
  ].join('\n')
}

/** Where a secret input can come from, most specific first. */
export function secretEnvNames(input: string): string[] {
  return input === 'token' ? [envNameOf(input), 'GITHUB_TOKEN', 'GITEA_TOKEN'] : [envNameOf(input)]
}

function row(name: string, text: string): string {
  const lines = wrap(text, TEXT_WIDTH)
  const head = `  ${name}`
  const first = head.length < NAME_WIDTH ? `${head.padEnd(NAME_WIDTH)}${lines[0]}` : `${head}\n${' '.repeat(NAME_WIDTH)}${lines[0]}`
  return [first, ...lines.slice(1).map((line) => `${' '.repeat(NAME_WIDTH)}${line}`)].join('\n')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  return lines.length || line ? [...lines, line] : ['']
}
