import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'
import { Terminal, type OutputStream } from '../../src/cli/terminal.js'
import { RoundProgress, renderRoundBlock } from '../../src/cli/progress.js'
import type { TenantReport } from '../../src/types.js'

function stream(isTTY: boolean, columns = 80): OutputStream & { text: string } {
  return {
    text: '',
    isTTY,
    columns,
    write(chunk: string) {
      this.text += chunk
      return true
    }
  }
}

const report = (name: string, state: TenantReport['state'], actual: string | null = null): TenantReport => ({
  name,
  state,
  actual,
  attempts: 1,
  seconds_to_converge: state === 'converged' ? 1 : null,
  error_class: state === 'unreachable' ? 'refused' : null,
  regressed: false
})

describe('Terminal', () => {
  it('off a terminal writes lines only and ignores the live block', () => {
    const out = stream(false)
    const term = new Terminal(out)
    term.setBlock(['block'])
    term.line('a line')
    expect(out.text).toBe('a line\n')
  })

  it('on a terminal keeps the block below the lines and redraws it in place', () => {
    const out = stream(true)
    const term = new Terminal(out)
    term.setBlock(['one', 'two'])
    term.line('log')
    term.setBlock(['three'])
    term.freezeBlock()
    term.line('after')
    expect(out.text).toBe('one\ntwo\n' + '\u001b[2A\r\u001b[Jlog\none\ntwo\n' + '\u001b[2A\r\u001b[Jthree\n' + 'after\n')
  })

  it('cuts block lines to the terminal width so the redraw arithmetic holds', () => {
    const out = stream(true, 30)
    new Terminal(out).setBlock(['x'.repeat(50)])
    expect(out.text).toBe(`${'x'.repeat(28)}…\n`)
  })

  it('replaces secrets in every line', () => {
    const out = stream(false)
    registerSecret('s3cret-token')
    registerSecret('abc')
    const term = new Terminal(out)
    term.line('sent s3cret-token; abc')
    // Values shorter than 4 characters would redact ordinary words, so they are left alone.
    expect(out.text).toBe('sent ***; abc\n')
    forgetSecrets()
  })
})

describe('live progress', () => {
  it('shows counts, the time left in the budget and the tenants not converged yet, capped; nobody is stale while the budget runs', () => {
    const reports = [
      report('a', 'converged', '7f25373'),
      report('b', 'ahead', '8888888'),
      report('c', 'stale', '7a72516'),
      report('d', 'unreachable'),
      ...Array.from({ length: 9 }, (_, i) => report(`p${i}`, 'pending'))
    ]
    const block = renderRoundBlock(2, reports, { budgetSeconds: 240, intervalSeconds: 20, leftMs: 219_400 })
    expect(block[0]).toBe('verify round 2 · 1/13 converged · 1 ahead · 1 rolling · 1 unreachable · 9 waiting · 220s left of the 240s budget, every 20s')
    expect(block.slice(1, 4)).toEqual(['  ○ c: rolling: reports 7a72516', '  ○ d: unreachable (refused)', '  ○ p0: waiting: not read yet'])
    expect(block.join('\n')).not.toContain('stale')
    expect(block).toHaveLength(1 + 8 + 1)
    expect(block[9]).toBe('  … and 3 more not converged')
  })

  it('hides the core round line only when the block shows that round', () => {
    const tty = new RoundProgress(new Terminal(stream(true)), 10, 1)
    const reports = [report('a', 'stale', '7a72516')]
    expect(tty.isShownInBlock('round 1: 0/1 converged, 1 not yet (a actual=7a72516)')).toBe(false)
    tty.onRound(1, reports, 10_000)
    expect(tty.isShownInBlock('round 1: 0/1 converged, 1 not yet (a actual=7a72516)')).toBe(true)
    expect(tty.isShownInBlock('something else')).toBe(false)

    const plain = new RoundProgress(new Terminal(stream(false)), 10, 1)
    plain.onRound(1, reports, 10_000)
    expect(plain.isShownInBlock('round 1: 0/1 converged, 1 not yet (a actual=7a72516)')).toBe(false)
  })
})
