import type { NotifySettings } from '../config/settings.js'
import type { RunNotification } from './message.js'

/**
 * The request body of a notification in each `notify-format`, always built with JSON.stringify (no text
 * can break the JSON). Chat formats render Markdown, so every piece of text that is not our own (the
 * message, tenant names, the reason of an override) is escaped for that dialect: it can neither become
 * a link, a mention (`@channel`, `<!here>`) nor emphasis. Links come only from the record's own facts.
 */
export function renderNotification(note: RunNotification, format: NotifySettings['format']): string {
  switch (format) {
    case 'json':
      return JSON.stringify(note)
    case 'slack':
      return JSON.stringify(slackMessage(note))
    case 'teams':
      return JSON.stringify(teamsCard(note))
  }
}

/** Counts in a fixed, readable form: `2 stale · 1 unreachable:refused · 5 converged`. */
function countsLine(note: RunNotification): string {
  const parts = Object.entries(note.counts).map(([key, n]) => `${n} ${key}`)
  return parts.length > 0 ? parts.join(' · ') : 'no tenant was read'
}

function attentionLines(note: RunNotification, text: (value: string) => string): string[] {
  const lines = note.attention.map((t) => `• ${text(t.name)} ${t.state} (${t.detail})`)
  const more = note.attention_total - note.attention.length
  return more > 0 ? [...lines, `… and ${more} more`] : lines
}

// ---- Slack (incoming webhook, mrkdwn) ----

/**
 * Slack parses `<…>` as links and mentions (`<https://x|click>`, `<!channel>`) and `&` as an entity, so
 * those three are escaped as Slack documents; a remote string is then shown as code (no `*bold*`, no
 * `_italic_`), and an `@` gets a word joiner so `@channel` is never a mention.
 */
function slackText(value: string): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '@\u2060').replace(/`/g, 'ʹ')
  return `\`${escaped}\``
}

function slackMessage(note: RunNotification): unknown {
  const icon = note.green ? ':white_check_mark:' : ':x:'
  const lines = [
    `${icon} *fleet-forward ${note.environment}: ${note.result}*${note.commit ? ` (${note.commit})` : ''}`,
    slackText(note.message),
    countsLine(note),
    ...(note.audit ? [slackText(note.audit)] : []),
    ...attentionLines(note, slackText),
    note.links.map((l) => `<${l.url}|${l.label}>`).join(' · ')
  ].filter(Boolean)
  return {
    text: `fleet-forward ${note.environment}: ${note.result}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }]
  }
}

// ---- Microsoft Teams (incoming webhook, MessageCard with Markdown) ----

/** Teams renders Markdown and a subset of HTML: HTML is escaped as entities, Markdown's punctuation with backslashes. */
function teamsText(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
    .replace(/@/g, '@\u2060')
}

function teamsCard(note: RunNotification): unknown {
  const text = [teamsText(note.message), countsLine(note), ...(note.audit ? [teamsText(note.audit)] : []), ...attentionLines(note, teamsText)]
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: `fleet-forward ${note.environment}: ${note.result}`,
    themeColor: note.green ? '2EA043' : 'CF222E',
    title: `fleet-forward ${note.environment}: ${note.result}${note.commit ? ` (${note.commit})` : ''}`,
    text: text.join('\n\n'),
    potentialAction: note.links.map((l) => ({ '@type': 'OpenUri', name: l.label, targets: [{ os: 'default', uri: l.url }] }))
  }
}
