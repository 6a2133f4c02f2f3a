import type { PromotionRecord, TagState } from '../stages/record.js'
import { shortSha } from '../util/sha.js'

/** What the job summary and the CLI say of a configured promotion the run never reached. */
export const NOT_PROMOTED = 'not touched: the run ended before the promotion, which comes only after every wave verified'

/**
 * Where the promote tag went, for the job summary and the CLI: an arrow only for a tag that moved; an
 * unchanged or refused tag is named where it stayed. `digest` dresses a digest (a code span in Markdown).
 */
export function tagMove(p: PromotionRecord, digest: (text: string) => string = (text) => text): string {
  const describe = (state: TagState | null): string =>
    state ? `${digest(state.digest.slice(0, 19))} (${state.revision ? shortSha(state.revision) : 'no revision'})` : 'absent'
  return p.before?.digest === p.after?.digest ? `at ${describe(p.after)}` : `${describe(p.before)} → ${describe(p.after)}`
}
