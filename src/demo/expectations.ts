import type { Terminal } from '../cli/terminal.js'

/** The demo verifies itself: each expectation is printed as it is checked, and the exit code is theirs. */
export class Expectations {
  private held = 0
  private broken = 0

  constructor(private readonly term: Terminal) {}

  check(ok: boolean, held: string, broke: string = held): boolean {
    if (ok) this.held++
    else this.broken++
    this.term.line(ok ? `   ✔ ${held}` : `   ✘ NOT AS EXPECTED: ${broke}`)
    return ok
  }

  get allHeld(): boolean {
    return this.broken === 0
  }

  get counts(): { held: number; broken: number } {
    return { held: this.held, broken: this.broken }
  }
}
