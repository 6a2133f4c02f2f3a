import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { assertDocumentedRecord } from './record-schema.js'

/**
 * Runs the committed bundle the way a runner does: `node dist/<entry>.js` with inputs in INPUT_*
 * variables and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE files, then reads them back.
 * The post step gets the main step's saved state as STATE_* variables, as the runner passes it.
 */
export interface DistRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  readonly state: Record<string, string>
  readonly dir: string
}

export interface DistOptions {
  readonly inputs: Record<string, string>
  readonly env?: Record<string, string>
  readonly entry?: 'index' | 'post'
  /** For the post step: the state the main step saved. */
  readonly state?: Record<string, string>
  /** Reuse the main step's files (summary, history) in the post step. */
  readonly dir?: string
  /** Called once the process has started, e.g. to send it a signal at a chosen moment. */
  readonly onSpawn?: (child: import('node:child_process').ChildProcess, output: () => string) => void
  /** Another build of the bundle (the benchmark compares two); default: the committed dist/. */
  readonly distDir?: string
}

export async function runDist(options: DistOptions): Promise<DistRun> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'ff-runner-'))
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), GITHUB_STATE: join(dir, 'state') }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    ...files,
    ...options.env
  }
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value

  const child = spawn(process.execPath, [join(resolve(options.distDir ?? 'dist'), `${options.entry ?? 'index'}.js`)], { env, cwd: dir })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  options.onSpawn?.(child, () => stdout)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])))
  const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'))
  // Every record a runner-style test produces is checked against the documented format.
  if (outputs.report) assertDocumentedRecord(JSON.parse(outputs.report))
  return {
    code,
    signal,
    stdout,
    stderr,
    outputs,
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    dir
  }
}

/** Parses the `name<<delimiter` … `delimiter` blocks that @actions/core appends to the file commands. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const [, name, delimiter] = match
    const end = lines.indexOf(delimiter, i + 1)
    values[name] = lines.slice(i + 1, end).join('\n')
    i = end
  }
  return values
}
