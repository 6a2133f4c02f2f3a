import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** `npm run preview-summary` is how a person looks at the summary; it must keep working as the code moves. */
describe('scripts/preview-summary.mjs', () => {
  it('renders every sample run to Markdown and HTML', () => {
    const out = mkdtempSync(join(tmpdir(), 'preview-'))
    try {
      execFileSync(process.execPath, ['scripts/preview-summary.mjs', out, '--no-screenshots'], { stdio: 'pipe' })
      const pages = readdirSync(out).filter((file) => file.endsWith('.html'))
      expect(pages.sort()).toEqual(
        ['deployed-4', 'dry-run-600', 'halted-10000', 'halted-600', 'halted-8', 'one-stale-600', 'superseded-8'].map((n) => `${n}.html`)
      )
      const page = readFileSync(join(out, 'one-stale-600.html'), 'utf8')
      expect(page).toContain('<h2>❌ fleet-forward · production · stale</h2>')
      expect(page).toContain('<code>tenant-00551</code>')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
