import { isCommitSha, shortSha } from '../util/sha.js'

/**
 * Markdown pieces of the job summary. Text that is not our own (a message that may quote a server,
 * tenant names, the image) only ever goes through `literal`; links are built only from the record's
 * own facts (the run URL the runner gave, the repository, commit SHAs).
 */

/**
 * Text as a Markdown code span: nothing inside is a link, an image, HTML, a mention or an emoji. The
 * fence is one backtick longer than any run inside, and padded when the text starts or ends with one.
 */
export function literal(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ')
  if (flat.trim() === '') return '–'
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longestRun + 1)
  const pad = /^[`\s]|[`\s]$/.test(flat) ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/** A code span in a table cell: GitHub splits cells on `|` even inside a code span unless it is escaped. */
export function literalCell(text: string): string {
  return literal(text).replace(/\|/g, '\\|')
}

export function sha(value: string | null): string {
  return value ? `\`${shortSha(value)}\`` : '–'
}

/** A URL we may link to: http(s), and no character that could end a Markdown link or start HTML. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~%/+-]*)?$/
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const RUN_PATH = /\/actions\/runs\/\d+$/

export interface Links {
  /** The run's page, when the record has a run URL (a CLI run has none). */
  readonly run: string | null
  /** A commit's page, when the repository's address is known. */
  commit(value: string | null): string | null
  /** The repository's deployments page on GitHub (every environment's latest and history), when the run created a deployment. */
  readonly deployments: string | null
  /** Input `environment-url`, the address the deployment points people to. */
  readonly environment: string | null
}

/**
 * The record carries the run URL (`<server>/<repository>/actions/runs/<id>` on GitHub and Gitea) but
 * not the server URL; the repository's address is the part before `/actions/runs/<id>`, and only when
 * it ends with the record's repository, so no link is ever guessed. A deployment links to the
 * repository's deployments page, and to the `environment-url` it carries.
 */
export function linksOf(record: LinkedRecord): Links {
  const runUrl = SAFE_URL.test(record.run_url) && RUN_PATH.test(record.run_url) ? record.run_url : null
  const repoUrl = runUrl?.replace(RUN_PATH, '') ?? null
  const known = repoUrl !== null && REPOSITORY.test(record.repository) && repoUrl.endsWith(`/${record.repository}`) ? repoUrl : null
  const environmentUrl = record.deployment?.environment_url ?? null
  return {
    run: runUrl,
    commit: (value) => (known && value && isCommitSha(value) ? `${known}/commit/${value.toLowerCase()}` : null),
    deployments: known && record.deployment ? `${known}/deployments` : null,
    environment: environmentUrl === null ? null : safeUrl(environmentUrl)
  }
}

interface LinkedRecord {
  readonly run_url: string
  readonly repository: string
  readonly deployment: { readonly environment_url: string | null } | null
}

function safeUrl(url: string): string | null {
  return SAFE_URL.test(url) ? url : null
}

/** `[label](url)`, or the label alone when there is no URL; the label is ours (words, short SHAs). */
export function link(label: string, url: string | null): string {
  return url ? `[${label}](${url})` : label
}

/** A block GitHub folds: Markdown inside renders because of the blank lines around it. */
export function details(summary: string, body: readonly string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', '']
}
