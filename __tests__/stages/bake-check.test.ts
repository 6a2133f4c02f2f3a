import { bakeWave, BakeCheckStopped, runBakeCheck, type BakeCheckRequest, type BakeCheckVerdict } from '../../src/stages/bake-check.js'
import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'
import { RecordingLogger } from '../../test/support/recording-logger.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'
import { NEWER } from '../../test/support/memory-forge.js'

const REQUEST: Omit<BakeCheckRequest, 'command'> = { tag: 'staging-7f25373', sha: NEWER, environment: 'production', repository: 'acme/fleet', wave: 2 }

/** A sleep that never ends until aborted. */
const forever = (signal?: AbortSignal) => new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))

/** A clock whose sleeps never end (until aborted): no deadline, no heartbeat fires. */
const stillClock = { now: () => 0, sleep: (_ms: number, signal?: AbortSignal) => forever(signal) }

/**
 * Sleeps up to `upToMs` yield for a few real milliseconds (so a command's output and exit get through
 * between heartbeats); longer ones never end.
 */
function yieldingClock(upToMs: number) {
  return {
    now: () => 0,
    sleep: (ms: number, signal?: AbortSignal) => (ms <= upToMs ? new Promise<void>((resolve) => setTimeout(resolve, 5)) : forever(signal))
  }
}

afterEach(() => forgetSecrets())

describe('runBakeCheck', () => {
  it('passes the values in FLEET_* variables and passes on exit 0', async () => {
    const log = new RecordingLogger()
    const command = 'echo "$FLEET_TAG $FLEET_SHA $FLEET_ENVIRONMENT $FLEET_REPOSITORY wave=$FLEET_WAVE"'
    expect(await runBakeCheck({ ...REQUEST, command }, 60_000, { clock: stillClock, log })).toEqual({ passed: true })
    expect(log.infos).toEqual([`bake-check: staging-7f25373 ${NEWER} production acme/fleet wave=2`])
  })

  it('fails on a non-zero exit, and its output reaches the log scrubbed: no workflow command, no secret', async () => {
    registerSecret('hunter2-secret')
    const log = new RecordingLogger()
    const command = "echo '::error::p99 too high'; echo '##[set-output name=x]y'; echo 'token hunter2-secret'; exit 4"
    expect(await runBakeCheck({ ...REQUEST, command }, 60_000, { clock: stillClock, log })).toEqual({ passed: false, reason: 'bake-check exited with code 4' })
    expect(log.infos).toEqual(['bake-check: :\u200b:error:\u200b:p99 too high', 'bake-check: #\u200b#[set-output name=x]y', 'bake-check: token ***'])
  })

  it('is stopped, TERM then KILL of its group, once the run may no longer act', async () => {
    const log = new RecordingLogger()
    const command = "trap '' TERM; echo started; sleep 30; echo 'still checking'"
    const error = await runBakeCheck({ ...REQUEST, command }, 60_000, {
      clock: yieldingClock(1),
      log,
      heartbeatMs: 1,
      killGraceMs: 200,
      mayProceed: async () => !log.infos.includes('bake-check: started')
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BakeCheckStopped)
    expect(log.infos).not.toContain('bake-check: still checking')
  })

  it('fails a check that outlives its deadline, and stops it', async () => {
    const log = new RecordingLogger()
    const verdict = await runBakeCheck({ ...REQUEST, command: 'sleep 30' }, 3_000, { clock: yieldingClock(3_000), log, killGraceMs: 200 })
    expect(verdict).toEqual({ passed: false, reason: 'bake-check did not finish within 3s and was stopped' })
  })

  it('is stopped when the run is cancelled, which rejects with the reason', async () => {
    const controller = new AbortController()
    const log = new RecordingLogger()
    const running = runBakeCheck({ ...REQUEST, command: 'echo started; sleep 30' }, 60_000, {
      clock: stillClock,
      log,
      signal: controller.signal,
      killGraceMs: 200
    })
    while (!log.infos.includes('bake-check: started')) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort(new Error('SIGTERM'))
    await expect(running).rejects.toThrow('SIGTERM')
  })
})

describe('bakeWave', () => {
  const passing = async (): Promise<BakeCheckVerdict> => ({ passed: true })

  it('checks at once, every interval, and at the end, proving the run may act between checks', async () => {
    const clock = new VirtualClock(0)
    const checks: number[] = []
    let proofs = 0
    const end = await bakeWave({
      seconds: 50,
      intervalMs: 20_000,
      clock,
      signal: new AbortController().signal,
      mayAct: async () => (proofs++, null),
      check: async (deadlineMs) => (checks.push(clock.now(), deadlineMs), passing())
    })
    expect(end).toEqual({ kind: 'baked' })
    // At 0, 20 s, 40 s and 50 s; each may run until the bake ends, or one interval when that is later.
    expect(checks).toEqual([0, 50_000, 20_000, 30_000, 40_000, 20_000, 50_000, 20_000])
    expect(proofs).toBe(3)
  })

  it('without a check is a timer that keeps proving the run may act', async () => {
    const clock = new VirtualClock(0)
    let proofs = 0
    expect(await bakeWave({ seconds: 50, intervalMs: 20_000, clock, signal: new AbortController().signal, mayAct: async () => (proofs++, null) })).toEqual({
      kind: 'baked'
    })
    expect(clock.sleeps).toEqual([20_000, 20_000, 10_000])
    expect(proofs).toBe(3)
  })

  it('ends at the first failed check, and at the first refused proof', async () => {
    const clock = new VirtualClock(0)
    let calls = 0
    const failing = async (): Promise<BakeCheckVerdict> => (++calls === 2 ? { passed: false, reason: 'bake-check exited with code 1' } : { passed: true })
    expect(await bakeWave({ seconds: 100, intervalMs: 20_000, clock, signal: new AbortController().signal, mayAct: async () => null, check: failing })).toEqual(
      {
        kind: 'failed',
        reason: 'bake-check exited with code 1'
      }
    )
    expect(calls).toBe(2)
    const stopped = await bakeWave({
      seconds: 100,
      intervalMs: 20_000,
      clock,
      signal: new AbortController().signal,
      mayAct: async () => 'superseded',
      check: passing
    })
    expect(stopped).toEqual({ kind: 'stopped', outcome: 'superseded' })
  })
})
