import { Terminal, type OutputStream } from '../../src/cli/terminal.js'
import { Expectations } from '../../src/demo/expectations.js'
import { indented } from '../../src/demo/indent.js'

function capture(isTTY = true, columns?: number): OutputStream & { text: string } {
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

describe('indented', () => {
  it('prefixes every line and keeps cursor movements in front of the prefix', () => {
    const out = capture()
    const stream = indented(out, '│ ')
    stream.write('a\nb\n')
    stream.write('\u001b[2A\r\u001b[Jc\n')
    stream.write('\u001b[1A\r\u001b[J')
    expect(out.text).toBe('│ a\n│ b\n' + '\u001b[2A\r\u001b[J│ c\n' + '\u001b[1A\r\u001b[J')
  })

  it('reports the width left after the prefix', () => {
    expect(indented(capture(true, 100), '│ ').columns).toBe(98)
    expect(indented(capture(true), '│ ').columns).toBe(78)
    expect(indented(capture(false), '│ ').isTTY).toBe(false)
  })
})

describe('Expectations', () => {
  it('prints each check and holds only when every check held', () => {
    const out = capture(false)
    const expect$ = new Expectations(new Terminal(out))
    expect$.check(true, 'fine')
    expect(expect$.allHeld).toBe(true)
    expect$.check(false, 'held text', 'what went wrong')
    expect(expect$.allHeld).toBe(false)
    expect(expect$.counts).toEqual({ held: 1, broken: 1 })
    expect(out.text).toBe('   ✔ fine\n   ✘ NOT AS EXPECTED: what went wrong\n')
  })
})
