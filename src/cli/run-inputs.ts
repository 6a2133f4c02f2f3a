import { INPUTS } from '../config/inputs.js'
import type { InputReader, RuntimeEnv } from '../config/parse.js'
import { PROXY_VARIABLES } from '../config/proxy.js'
import { CONTEXT_FLAGS, envNameOf, type Invocation } from './flags.js'
import { secretEnvNames } from './help.js'

export type Environment = Readonly<Record<string, string | undefined>>

const INPUT_NAMES = new Set(INPUTS.map((spec) => spec.name))
const SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name))

/** An input's raw value: its flag, else FLEET_FORWARD_<INPUT> (for secrets: the variables --help lists), else ''. */
export function inputReader(invocation: Invocation, env: Environment): InputReader {
  return (name) => {
    const source = sourceOf(invocation, env, name)
    return source === null ? '' : source === 'flag' ? invocation.inputs.get(name)! : env[source]!
  }
}

/** Where an input's value comes from: its flag, an environment variable, or nowhere (null: the default). */
function sourceOf(invocation: Invocation, env: Environment, name: string): 'flag' | string | null {
  if (invocation.inputs.get(name)) return 'flag'
  const names = SECRET_INPUTS.has(name) ? secretEnvNames(name) : [envNameOf(name)]
  return names.find((variable) => env[variable]) ?? null
}

/** The runner variables the settings need: each from its flag, else from the environment. */
export function runtimeEnvOf(invocation: Invocation, env: Environment): RuntimeEnv {
  const runtime: Record<string, string | undefined> = {
    GITHUB_SHA: env.GITHUB_SHA,
    GITHUB_RUN_ATTEMPT: env.GITHUB_RUN_ATTEMPT,
    GITEA_ACTIONS: env.GITEA_ACTIONS,
    GITHUB_ACTIONS: env.GITHUB_ACTIONS,
    GITHUB_ACTOR: env.GITHUB_ACTOR
  }
  for (const spec of CONTEXT_FLAGS) runtime[spec.env] = invocation.context[spec.env] || env[spec.env]
  // The same variables route the CLI's requests (src/util/dispatcher.ts): checked with the flags.
  for (const name of PROXY_VARIABLES) runtime[name] = env[name]
  return runtime
}

/**
 * The name a person types to fix an input error: the flag, and where the bad value came from when it
 * was not the flag. `sha (from GITHUB_SHA)` is how the settings parser names a SHA read from there.
 */
export function flagFor(input: string, invocation: Invocation, env: Environment): string {
  const name = input.replace(/ \(from [A-Z_]+\)$/, '')
  if (INPUT_NAMES.has(name)) {
    const source = name === input ? sourceOf(invocation, env, name) : input.slice(name.length + 7, -1)
    return source && source !== 'flag' ? `--${name} (from ${source})` : `--${name}`
  }
  const context = CONTEXT_FLAGS.find((spec) => spec.env === input || spec.flag === input)
  if (!context) return input
  return invocation.context[context.env] ? `--${context.flag}` : `--${context.flag} (or ${context.env})`
}
