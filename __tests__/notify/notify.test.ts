import { Agent } from 'undici'
import type { NotifySettings } from '../../src/config/settings.js'
import { MAX_ATTENTION_NAMES } from '../../src/notify/message.js'
import { notifyRun } from '../../src/notify/send.js'
import type { RunRecord } from '../../src/stages/record.js'
import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'
import { startNotifyReceiver, type NotifyReceiver } from '../../test/support/notify-receiver.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { recordOf, tenant } from '../../test/support/records.js'

const HOSTILE = [
  '<https://evil.example/steal|click here>',
  '<!channel> *urgent* _now_',
  '@channel @here',
  '[login](https://evil.example/phish)',
  '"},"injected":{"x":"',
  '`code` ~strike~ # heading',
  '<img src=x onerror=alert(1)>'
]

let receiver: NotifyReceiver
let log: RecordingLogger

beforeEach(async () => {
  receiver = await startNotifyReceiver()
  log = new RecordingLogger()
})

afterEach(async () => {
  forgetSecrets()
  await receiver.close()
})

const settings = (format: NotifySettings['format'], on: NotifySettings['on'] = 'red'): NotifySettings => ({ url: `${receiver.url}/hook`, format, on })

function staleRecord(names = HOSTILE): RunRecord {
  return recordOf(
    `${names.length} tenant(s) did not report 7f25373; ::error::injected by a server <!here>`,
    names.map((name, i) => (i % 2 === 0 ? tenant(name, 'stale') : tenant(name, 'unreachable')))
  )
}

describe('notifyRun: one message per run, from the record only', () => {
  it.each(['json', 'slack', 'teams'] as const)('%s: one POST whose JSON the hostile names and message cannot break', async (format) => {
    await notifyRun(staleRecord(), settings(format), { log })
    expect(receiver.received).toHaveLength(1)
    const [{ path, body, raw }] = receiver.received
    expect(path).toBe('/hook')
    // Parsed above by the receiver: still one object with only the format's own keys.
    expect(Object.keys(body as object).sort()).toEqual(
      {
        json: ['attention', 'attention_total', 'audit', 'commit', 'counts', 'environment', 'green', 'links', 'message', 'repository', 'result', 'title'],
        slack: ['blocks', 'text'],
        teams: ['@context', '@type', 'potentialAction', 'summary', 'text', 'themeColor', 'title']
      }[format]
    )
    expect(raw).not.toContain('"injected":{')
    expect(raw).not.toContain('::error::')
    expect(raw).toContain('production: stale')
    expect(log.infos).toContain(`notified notify-url (${format}): stale`)
  })

  it('slack: a name or message can be neither a link, a mention nor emphasis', async () => {
    await notifyRun(staleRecord(), settings('slack'), { log })
    const text = (receiver.received[0].body as { blocks: { text: { text: string } }[] }).blocks[0].text.text
    // Only the links we build from the record start with '<'.
    expect(text.match(/<[^>]*>/g)).toEqual([
      '<https://github.com/acme/fleet/actions/runs/7|run>',
      '<https://github.com/acme/fleet/commit/7f25373000000000000000000000000000000000|commit>'
    ])
    expect(text).not.toMatch(/@(channel|here)/)
    expect(text).toContain('`&lt;https://evil.example/steal|click here&gt;`')
    expect(text).toContain('`&lt;!channel&gt; *urgent* _now_`')
  })

  it('teams: a name or message can be neither a link, HTML nor a mention', async () => {
    await notifyRun(staleRecord(), settings('teams'), { log })
    const card = receiver.received[0].body as { text: string; potentialAction: { targets: { uri: string }[] }[] }
    expect(card.text).not.toContain('<')
    expect(card.text).not.toContain('](')
    expect(card.text).not.toMatch(/@(channel|here)/)
    expect(card.text).toContain('\\[login\\]\\(https://evil\\.example/phish\\)')
    expect(card.potentialAction.map((a) => a.targets[0].uri)).toEqual([
      'https://github.com/acme/fleet/actions/runs/7',
      'https://github.com/acme/fleet/commit/7f25373000000000000000000000000000000000'
    ])
  })

  it('lists at most 20 tenants needing attention, counts the rest, and stays under 40 KB at 10,000 tenants', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `${'<@channel>'.repeat(50)}-${i}`)
    await notifyRun(staleRecord(names), settings('json'), { log })
    const { body, raw } = receiver.received[0] as { body: { attention: unknown[]; attention_total: number; counts: Record<string, number> }; raw: string }
    expect(body.attention).toHaveLength(MAX_ATTENTION_NAMES)
    expect(body.attention_total).toBe(10_000)
    expect(body.counts).toEqual({ stale: 5_000, 'unreachable:refused': 5_000 })
    expect(Buffer.byteLength(raw)).toBeLessThan(40 * 1024)
  })

  it('scrubs every secret the run knows, like every sink', async () => {
    registerSecret('ghs_s3cretToken')
    await notifyRun(recordOf('control plane said: token ghs_s3cretToken refused', [tenant('a', 'stale')]), settings('json'), { log })
    expect(receiver.received[0].raw).not.toContain('ghs_s3cretToken')
  })

  it("notify-on red: nothing for a green run; 'always': deferred runs too", async () => {
    const deferred = recordOf('outside every deploy window', [], 'deferred')
    await notifyRun(recordOf('deployed', [tenant('a', 'converged')], 'deployed'), settings('json', 'red'), { log })
    await notifyRun(deferred, settings('json', 'red'), { log })
    expect(receiver.received).toHaveLength(0)
    await notifyRun(deferred, settings('json', 'always'), { log })
    expect((receiver.received[0].body as { result: string }).result).toBe('deferred')
  })

  it('a receiver that refuses is a warning, never an error, and its text is not shown', async () => {
    receiver.status = 500
    await expect(notifyRun(staleRecord(), settings('slack'), { log })).resolves.toBeUndefined()
    expect(log.warnings).toEqual(["could not notify notify-url (slack): it answered HTTP 500; the run's result stands"])
  })

  it('a POST that reached the receiver is never resent, even without an answer', async () => {
    receiver.drop = true
    await notifyRun(staleRecord(), settings('json'), { log })
    expect(receiver.received).toHaveLength(1)
    expect(log.warnings).toEqual(["could not notify notify-url (json) (reset, after 1 attempt(s)); the run's result stands"])
  })

  it('a connection never made is tried once more, and only once', async () => {
    let connects = 0
    const refusing = new Agent({
      connect: (_options, callback) => {
        connects++
        callback(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), null)
      }
    })
    await notifyRun(staleRecord(), settings('json'), { log, dispatcher: refusing })
    expect(connects).toBe(2)
    expect(log.warnings).toEqual(["could not notify notify-url (json) (refused, after 2 attempt(s)); the run's result stands"])
    await refusing.close()
  })
})
