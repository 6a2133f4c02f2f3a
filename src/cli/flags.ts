import { parseArgs } from 'node:util'
import { INPUTS } from '../config/inputs.js'
import type { RuntimeEnv } from '../config/parse.js'
import { neutralize } from '../util/sanitize.js'

/**
 * The command line: one flag per action input, named exactly like it (`--settle-budget 30` is the input
 * `settle-budget`), plus the few runner variables a CI system outside Actions does not set. Both lists
 * are derived from tables, so --help, the parser and action.yml never drift apart.
 */
export type Command = 'deploy' | 'demo' | 'help' | 'version'

/** Flags that stand in for the runner variables the action reads from its environment. */
export const CONTEXT_FLAGS: readonly { readonly flag: string; readonly env: keyof RuntimeEnv; readonly description: string }[] = [
  { flag: 'repository', env: 'GITHUB_REPOSITORY', description: 'Repository on the forge, owner/name.' },
  {
    flag: 'api-url',
    env: 'GITHUB_API_URL',
    description: 'Forge API root, e.g. https://api.github.com or https://gitea.example/api/v1 (an /api/v1 URL selects Gitea).'
  },
  { flag: 'server-url', env: 'GITHUB_SERVER_URL', description: 'Forge web root, for links in the record; also locates the API when --api-url is not given.' },
  { flag: 'run-id', env: 'GITHUB_RUN_ID', description: 'Identifier of this run in your CI, for the record and the redeploy Idempotency-Key.' },
  {
    flag: 'run-url',
    env: 'FLEET_FORWARD_RUN_URL',
    description:
      'Link to this run in your CI (http or https), for the record, the lock and the statuses. Without it a run outside Actions links nowhere rather than to a guessed page.'
  }
]

/** Flags of the tool itself. */
export const TOOL_FLAGS: readonly { readonly flag: string; readonly description: string }[] = [
  { flag: 'json', description: 'Print the run record as JSON on stdout; the human-readable output goes to stderr.' },
  { flag: 'help', description: 'Show this help (also: fleet-forward help).' },
  { flag: 'version', description: 'Print the version of fleet-forward and exit.' }
]

/** Inputs whose value is true/false: `--dry-run` alone means `--dry-run true`. */
const BOOLEAN_INPUTS = new Set(INPUTS.filter((spec) => spec.default === 'true' || spec.default === 'false').map((spec) => spec.name))
const BOOLEAN_WORDS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'])
const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))
const COMMANDS: ReadonlySet<string> = new Set(['deploy', 'demo', 'help'])

export interface Invocation {
  readonly command: Command
  /** Raw input values given as flags, by input name. */
  readonly inputs: ReadonlyMap<string, string>
  /** Runner variables given as flags. */
  readonly context: Partial<Record<keyof RuntimeEnv, string>>
  readonly json: boolean
  /** Secret inputs passed on the command line, where `ps` shows them to every user of the machine. */
  readonly secretsOnCommandLine: readonly string[]
}

/** Bad usage: an unknown flag, a missing value, a stray word. `flag` is what the message is about. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly flag: string | null = null
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Environment variable that can carry an input instead of its flag: `redeploy-token` → FLEET_FORWARD_REDEPLOY_TOKEN. */
export function envNameOf(input: string): string {
  return `FLEET_FORWARD_${input.replace(/-/g, '_').toUpperCase()}`
}

export function parseInvocation(argv: readonly string[]): Invocation {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}
  for (const spec of INPUTS) options[spec.name] = { type: 'string' }
  for (const spec of CONTEXT_FLAGS) options[spec.flag] = { type: 'string' }
  options.json = { type: 'boolean' }
  options.help = { type: 'boolean', short: 'h' }
  options.version = { type: 'boolean', short: 'V' }

  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: withBooleanValues(argv), options, strict: true, allowPositionals: true })
  } catch (error) {
    throw usageErrorOf(error)
  }
  const values = parsed.values as Record<string, string | boolean | undefined>

  const [first, ...rest] = parsed.positionals
  if (first !== undefined && !COMMANDS.has(first)) {
    throw new UsageError(`unknown command '${neutralize(first, 40)}': expected deploy, demo or help`)
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${neutralize(rest[0], 40)}': every value follows its flag, e.g. --tenants-file fleet.txt`)
  const command: Command = values.help ? 'help' : values.version ? 'version' : ((first as Command | undefined) ?? 'deploy')

  const inputs = new Map<string, string>()
  for (const spec of INPUTS) {
    const value = values[spec.name]
    if (typeof value === 'string') inputs.set(spec.name, value)
  }
  const context: Partial<Record<keyof RuntimeEnv, string>> = {}
  for (const spec of CONTEXT_FLAGS) {
    const value = values[spec.flag]
    if (typeof value === 'string') context[spec.env] = value
  }
  if (command === 'demo') {
    const given = [...inputs.keys(), ...CONTEXT_FLAGS.filter((spec) => spec.env in context).map((spec) => spec.flag), ...(values.json ? ['json'] : [])]
    if (given.length > 0) throw new UsageError(`--${given[0]} does not apply to demo: the demo brings its own forge, registry and fleet`, `--${given[0]}`)
  }
  return {
    command,
    inputs,
    context,
    json: values.json === true,
    secretsOnCommandLine: [...inputs.keys()].filter((name) => SECRET_INPUTS.has(name) && inputs.get(name) !== '')
  }
}

/** `--dry-run` followed by anything but a boolean word becomes `--dry-run=true`, so a switch reads like one. */
function withBooleanValues(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const name = arg.startsWith('--') ? arg.slice(2) : ''
    return BOOLEAN_INPUTS.has(name) && !BOOLEAN_WORDS.has(argv[i + 1] ?? '') ? `${arg}=true` : arg
  })
}

/** parseArgs' errors name the option in their own words; ours say which flag and what to do. */
function usageErrorOf(error: unknown): UsageError {
  const { code, message } = error as { code?: string; message?: string }
  // Node names a flag with a short form as '-V, --version': the long form is the one people look up.
  const flag = /'(?:-[A-Za-z], )?(-{1,2}[^'\s,]+)/.exec(message ?? '')?.[1] ?? null
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag '${flag ?? '?'}'${suggestionFor(flag)}: see fleet-forward --help for the flags (named like the action inputs)`, flag)
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(
        flag === '--json' || flag === '--help' || flag === '--version'
          ? `${flag} takes no value`
          : `${flag ?? 'a flag'} needs a value, e.g. ${flag ?? '--flag'} <value>`,
        flag
      )
    default:
      return new UsageError(message ?? String(error), flag)
  }
}

/** `--settle_budget` or `--SETTLE-BUDGET` are near misses of a real flag: say which. */
function suggestionFor(flag: string | null): string {
  const near = flag?.replace(/^-+/, '').replace(/_/g, '-').toLowerCase()
  const known = [...INPUTS.map((spec) => spec.name), ...CONTEXT_FLAGS.map((spec) => spec.flag)]
  return near && known.includes(near) ? ` (did you mean --${near}?)` : ''
}
