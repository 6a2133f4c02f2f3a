/**
 * The violations a fake forge's exchanges commit against the forge's description, collected as they happen
 * and failed where they happened: test/support/specs/fail-on-violations.ts (a jest setup file) asserts after
 * every test that no fake saw one, and a fake's close() asserts it for what came after the last test.
 */
import type { RouteAnswer, RouteRequest } from '../fake-forge.js'
import type { Exchange } from './spec-validator.js'

const live = new Set<Conformance>()

export class Conformance {
  private readonly violations: string[] = []

  /**
   * @param forge names the fake in the failure message
   * @param apiPrefix the fake's API root below the server ('' or '/api/v1'), removed before matching paths
   * @param check the forge's rule for one exchange
   */
  constructor(
    private readonly forge: string,
    private readonly apiPrefix: string,
    private readonly check: (exchange: Exchange) => string[]
  ) {
    live.add(this)
  }

  /** Checks one request and the answer the fake is about to send. */
  observe(req: RouteRequest, answer: RouteAnswer): void {
    const inside = req.path.startsWith(`${this.apiPrefix}/`)
    const exchange: Exchange = { ...req, path: inside ? req.path.slice(this.apiPrefix.length) : req.path, answer }
    let found: string[]
    try {
      found = inside ? this.check(exchange) : [`${req.method} ${req.path}: outside the API root ${this.apiPrefix}`]
    } catch (error) {
      // Inside the fake's request handler a throw would leave the request unanswered: the test fails here instead.
      found = [`${req.method} ${req.path}: the check itself failed: ${error instanceof Error ? error.message : String(error)}`]
    }
    this.violations.push(...found.map((v) => `${this.forge}: ${v}`))
  }

  /** The violations seen since the last call, cleared. */
  take(): string[] {
    return this.violations.splice(0)
  }

  /** Throws with every violation seen since the last check, and forgets the fake (it is closed). */
  retire(): void {
    live.delete(this)
    assertNone(this.take())
  }
}

/** Throws, listing them, when any live fake has seen a violation since the last check. */
export function assertFakesConform(): void {
  assertNone([...live].flatMap((c) => c.take()))
}

function assertNone(violations: readonly string[]): void {
  if (violations.length === 0) return
  throw new Error(
    `the fake forge served ${violations.length} exchange(s) its API description does not allow (fix the fake, or the code that sent the request):\n  ${violations.join('\n  ')}`
  )
}
