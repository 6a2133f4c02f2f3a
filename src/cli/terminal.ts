import { scrubSecrets } from '../util/scrub.js'

/** Where the CLI writes: process.stdout/stderr, or a capture in tests and in the demo. */
export interface OutputStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

const ERASE_BELOW = '\u001b[J'
const cursorUp = (lines: number): string => `\u001b[${lines}A\r`

/**
 * Lines of output with, on a terminal, one live block kept below them: a line printed while the block
 * is shown goes above it, and the block is redrawn in place. Off a terminal there is no block, only
 * lines, so logs stay plain and greppable. Every line passes the one secret scrubber before it is written.
 */
export class Terminal {
  private block: readonly string[] = []

  constructor(private readonly stream: OutputStream) {}

  get live(): boolean {
    return this.stream.isTTY === true
  }

  line(text: string): void {
    this.stream.write(`${this.erase()}${scrubSecrets(text)}\n${this.draw()}`)
  }

  /** Replaces the live block (a no-op off a terminal). */
  setBlock(lines: readonly string[]): void {
    if (!this.live) return
    const erase = this.erase()
    this.block = lines.map((line) => this.fit(scrubSecrets(line)))
    this.stream.write(`${erase}${this.draw()}`)
  }

  /** Leaves the block on screen as it is (the run's last state) and stops redrawing it. */
  freezeBlock(): void {
    this.block = []
  }

  private erase(): string {
    return this.block.length ? `${cursorUp(this.block.length)}${ERASE_BELOW}` : ''
  }

  private draw(): string {
    return this.block.map((line) => `${line}\n`).join('')
  }

  /** A block line that wrapped would break the cursor arithmetic of the next redraw. */
  private fit(line: string): string {
    const width = Math.max(20, (this.stream.columns || 80) - 1)
    return line.length > width ? `${line.slice(0, width - 1)}…` : line
  }
}
