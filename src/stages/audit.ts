import type { FreezeOverride } from '../config/settings.js'
import { fitColumn, neutralize } from '../util/sanitize.js'

/**
 * Who overrode a deploy freeze or moved the fleet back, and why, in the few words a commit status or a
 * deployment description has room for (GitHub: 140 characters). The actor and the reason are inputs,
 * not server text, but they still pass the boundary; the run's own words come first and are never cut.
 */
export interface RunAudit {
  /** The override that took effect (the window was closed). */
  readonly override: FreezeOverride | null
  /** rollback-reason and the actor, with allow-rollback. */
  readonly rollback: FreezeOverride | null
}

/** The rollback a run's settings ask for: rollback-reason with the actor, or null without allow-rollback. */
export function rollbackOf(settings: { readonly rollbackReason?: string | null; readonly run: { readonly actor?: string | null } }): FreezeOverride | null {
  return settings.rollbackReason ? { actor: settings.run.actor ?? null, reason: settings.rollbackReason } : null
}

export function auditNote(audit: RunAudit): string | null {
  const by = ({ actor, reason }: FreezeOverride): string => `${actor ? neutralize(actor, 40) : 'unknown actor'}: ${neutralize(reason, 140)}`
  if (audit.override) return `freeze overridden by ${by(audit.override)}`
  if (audit.rollback) return `rollback by ${by(audit.rollback)}`
  return null
}

/** `text; note`, the note cut to fit `max` characters; scrubbed whole first (fitColumn), as every cut is, so no beginning of a secret survives it. */
export function withAudit(text: string, note: string | null, max: number): string {
  if (!note) return text
  const room = max - text.length - 2
  if (room < 12) return text
  return `${text}; ${fitColumn(note, room)}`
}
