import type { TenantReport } from '../types.js'
import { isSettled, summarizeRound } from '../fleet/report.js'
import { shortSha } from '../util/sha.js'
import type { Terminal } from './terminal.js'

/** Tenants listed by name in the live block; a fleet of 10,000 still fits a screen. */
const LISTED_TENANTS = 8

/**
 * The live per-tenant display of the verify rounds. On a terminal it redraws one compact block per
 * round (counts, then the tenants not converged yet); the core's own one-line round summary is then
 * redundant and is not printed. Off a terminal the round summaries are the plain lines, as in Actions.
 */
export class RoundProgress {
  private lastSummary: string | null = null

  constructor(
    private readonly term: Terminal,
    private readonly budgetSeconds: number,
    private readonly intervalSeconds: number
  ) {}

  readonly onRound = (round: number, reports: readonly TenantReport[], budgetLeftMs: number): void => {
    if (!this.term.live) return
    this.lastSummary = summarizeRound(round, reports)
    this.term.setBlock(renderRoundBlock(round, reports, { budgetSeconds: this.budgetSeconds, intervalSeconds: this.intervalSeconds, leftMs: budgetLeftMs }))
  }

  /** True for the core's log line of the round the block already shows. */
  isShownInBlock(message: string): boolean {
    return this.lastSummary !== null && message === this.lastSummary
  }

  finish(): void {
    this.term.freezeBlock()
  }
}

/** Where the settle budget stands at a round: its size, the time left in it, and the interval. */
export interface BudgetState {
  readonly budgetSeconds: number
  readonly intervalSeconds: number
  readonly leftMs: number
}

/**
 * While the budget runs nobody is stale yet: a tenant still on another commit is `rolling`, one not read
 * yet is `waiting`; the verdict's words come only when the budget is spent.
 */
const LIVE_WORD: Readonly<Partial<Record<TenantReport['state'], string>>> = { stale: 'rolling', pending: 'waiting' }

export function renderRoundBlock(round: number, reports: readonly TenantReport[], budget: BudgetState): string[] {
  const counts = new Map<string, number>()
  for (const report of reports) counts.set(report.state, (counts.get(report.state) ?? 0) + 1)
  const converged = counts.get('converged') ?? 0
  const others = (['ahead', 'stale', 'unhealthy', 'unreachable', 'pending'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${LIVE_WORD[s] ?? s}`)
  const waiting = reports.filter((report) => !isSettled(report))
  const left = `${Math.ceil(budget.leftMs / 1000)}s left of the ${budget.budgetSeconds}s budget, every ${budget.intervalSeconds}s`
  const header = [`verify round ${round}`, `${converged}/${reports.length} converged`, ...others, left]
  const listed = waiting.slice(0, LISTED_TENANTS).map((report) => `  ○ ${report.name}: ${describeWaiting(report)}`)
  const more = waiting.length - listed.length
  return [header.join(' · '), ...listed, ...(more > 0 ? [`  … and ${more} more not converged`] : [])]
}

function describeWaiting(report: TenantReport): string {
  if (report.state === 'unreachable') return `unreachable (${report.error_class})`
  if (report.state === 'pending') return 'waiting: not read yet'
  if (report.state === 'unhealthy') return `health check ${report.health_status ?? 'not run yet'}`
  return `rolling: reports ${report.actual ? shortSha(report.actual) : 'no commit'}`
}
