// Renders the job summary of sample runs (8, 600 and 10,000 tenants; superseded; a dry run; green with a deployment)
// to HTML pages styled like a GitHub step summary, and to PNG screenshots when Chromium is installed, so a
// person can look at what the on-call engineer will see. The tests assert the structure
// (__tests__/report/summary-rendered.test.ts); this is for the eye.
//   npm run preview-summary [-- out-dir] [--no-screenshots]      (default: preview/, ignored by git)
import { build } from 'esbuild'
import { marked } from 'marked'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const outDir = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'preview'))
const CHROMIUM = '/usr/bin/chromium'

// The summary and the sample records are TypeScript; bundle them once, in memory.
const bundled = await build({
  stdin: {
    contents: "export { renderSummary } from './src/report/summary.ts'; export * from './test/support/records.ts'",
    resolveDir: root,
    loader: 'ts'
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning'
})
const { renderSummary, haltedFleet, oneStaleFleet, plannedFleet, recordOf, tenant } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
)

const converged = ['ana', 'bo', 'cy', 'dee'].map((name) => ({ ...tenant(name, 'converged'), wave: 1, redeployed: true }))
const pending = ['ana', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus', 'hal'].map((name) => tenant(name, 'pending'))
const samples = {
  'halted-8': haltedFleet(8),
  'one-stale-600': oneStaleFleet(600, 551),
  'halted-600': haltedFleet(600),
  'halted-10000': haltedFleet(10_000),
  'superseded-8': {
    ...recordOf('b0a1c2d is newer and owns production; nothing was touched after that was seen', pending, 'superseded'),
    head_sha: 'b0a1c2d'.padEnd(40, '3')
  },
  'dry-run-600': plannedFleet(600, (i) => (i < 1 ? 1 : i < 60 ? 2 : 3)),
  'deployed-4': {
    ...recordOf('4/4 tenants verified on 7f25373', converged, 'deployed'),
    deployment: { id: 41, environment_url: 'https://app.example.com/' },
    promotion: {
      image: 'ghcr.io/acme/app',
      tag: 'latest',
      status: 'promoted',
      before: { digest: `sha256:${'6e'.repeat(32)}`, revision: '6e14d2c'.padEnd(40, '0') },
      after: { digest: `sha256:${'7f'.repeat(32)}`, revision: '7f25373'.padEnd(40, '0') }
    }
  }
}

// Close to GitHub's rendering of a step summary: its font stack, tables, code spans and folds.
const style = `
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 980px; margin: 24px auto; padding: 0 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; } h3 { font-size: 1.25em; }
code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: #818b981f; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; } pre code { background: none; padding: 0; }
table { border-collapse: collapse; display: block; overflow: auto; margin: 0 0 16px; } th, td { border: 1px solid #d1d9e0; padding: 6px 13px; } tr:nth-child(2n) { background: #f6f8fa; }
p { margin: 0 0 16px; } details { margin: 8px 0; } summary { cursor: pointer; } a { color: #0969da; }
`

mkdirSync(outDir, { recursive: true })
const chromium = !args.includes('--no-screenshots') && existsSync(CHROMIUM)
for (const [name, record] of Object.entries(samples)) {
  const markdown = renderSummary(record)
  const body = marked.parse(markdown, { async: false, gfm: true })
  const page = join(outDir, `${name}.html`)
  writeFileSync(join(outDir, `${name}.md`), markdown)
  writeFileSync(page, `<!doctype html><meta charset="utf-8"><title>${name}</title><style>${style}</style>${body}`)
  const shot = chromium ? screenshot(page, join(outDir, `${name}.png`)) : null
  console.log(`${name}: ${Buffer.byteLength(markdown)} bytes of Markdown, ${markdown.split('\n').length} lines → ${shot ?? page}`)
}
if (!chromium && !args.includes('--no-screenshots')) console.log(`no ${CHROMIUM}: HTML only (apt-get install chromium for screenshots)`)

/** The top of the page as a reader first sees it; the flags keep headless Chromium off the network. */
function screenshot(page, png) {
  const profile = mkdtempSync(join(tmpdir(), 'preview-chromium-'))
  try {
    execFileSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--hide-scrollbars',
        '--window-size=1012,1400',
        `--screenshot=${png}`,
        pathToFileURL(page).href
      ],
      { stdio: 'ignore', timeout: 60_000 }
    )
    return png
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}
