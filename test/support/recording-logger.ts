import type { Logger } from '../../src/types.js'

/** A Logger that keeps what it was told, so tests can assert on the lines an engineer would read. */
export class RecordingLogger implements Logger {
  readonly infos: string[] = []
  readonly warnings: string[] = []
  readonly errors: string[] = []

  info(message: string): void {
    this.infos.push(message)
  }

  warning(message: string): void {
    this.warnings.push(message)
  }

  error(message: string): void {
    this.errors.push(message)
  }

  async group<T>(_title: string, body: () => Promise<T>): Promise<T> {
    return body()
  }

  get all(): string[] {
    return [...this.infos, ...this.warnings, ...this.errors]
  }
}
