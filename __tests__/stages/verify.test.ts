import { jest } from '@jest/globals'
import type { Ancestry, Logger, TenantReport } from '../../src/types.js'
import { DEFAULT_SHA_FIELDS } from '../../src/fleet/buildinfo.js'
import { failureLines, probeFleet, settleFleet, type SettleOptions } from '../../src/stages/verify.js'
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-fleet.js'
import { VirtualClock } from '../../test/support/virtual-clock.js'
import { HealthBook } from '../../src/fleet/health.js'
import { pendingReport } from '../../src/fleet/round.js'
import { forgetSecrets, registerSecret } from '../../src/util/scrub.js'

const EXPECTED = '7f25373aa1b2c3d4e5f60718293a4b5c6d7e8f90'
const OLDER = '7a72516bb1b2c3d4e5f60718293a4b5c6d7e8f90'
const NEWER = '9c0ffee0b1b2c3d4e5f60718293a4b5c6d7e8f90'
const FLEET = ['hongming', 'ana', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus']
const START = Date.UTC(2026, 0, 1)

function recordingLog() {
  const lines: { level: string; message: string }[] = []
  const log: Logger = {
    info: (message) => void lines.push({ level: 'info', message }),
    warning: (message) => void lines.push({ level: 'warning', message }),
    error: (message) => void lines.push({ level: 'error', message }),
    group: (_title, body) => body()
  }
  return { log, lines, text: () => lines.map((l) => l.message) }
}

/** compare(expected, actual): NEWER descends from EXPECTED, OLDER is its ancestor. */
const compare = jest.fn(async (_base: string, head: string): Promise<Ancestry> => {
  if (head.startsWith('9c0ffee')) return 'ahead'
  if (head.startsWith('7a72516')) return 'behind'
  return 'diverged'
})

afterAll(() => forgetSecrets())

const byName = (tenants: readonly TenantReport[], name: string) => tenants.find((t) => t.name === name)!

describe('settleFleet', () => {
  let fleet: FakeFleet
  let clock: VirtualClock
  let recorder: ReturnType<typeof recordingLog>

  beforeEach(async () => {
    clock = new VirtualClock(START)
    fleet = await startFakeFleet({ sha: EXPECTED, clock })
    recorder = recordingLog()
    compare.mockClear()
  })
  afterEach(async () => {
    await fleet.close()
  })

  function settle(overrides: Partial<SettleOptions> = {}) {
    return settleFleet({
      tenants: fleet.tenants(FLEET),
      expectedSha: EXPECTED,
      shaFields: DEFAULT_SHA_FIELDS,
      budgetSeconds: 240,
      intervalSeconds: 20,
      allowRollback: false,
      clock,
      compare,
      stillOwner: async () => true,
      log: recorder.log,
      probe: { requestTimeoutMs: 2_000 },
      ...overrides
    })
  }

  it('returns after the first round when the whole fleet already reports the expected commit', async () => {
    const stillOwner = jest.fn(async () => true)
    const result = await settle({ stillOwner })
    expect(result).toMatchObject({ outcome: 'converged', rounds: 1, seconds: 0 })
    expect(result.tenants.every((t) => t.state === 'converged' && t.attempts === 1 && t.seconds_to_converge === 0)).toBe(true)
    expect(clock.sleeps).toEqual([])
    // Every tenant was read in the deciding round: ownership is proven once before the verdict, nothing is re-read.
    expect(stillOwner).toHaveBeenCalledTimes(1)
    expect(FLEET.map((name) => fleet.requests(name))).toEqual(FLEET.map(() => 1))
    expect(recorder.text()).toEqual(['round 1: 8/8 converged'])
  })

  it('waits for a lagging tenant, probing only it, and gives the verdict in the round it converges', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 60_000, sha: EXPECTED }] })
    const result = await settle()
    expect(result).toMatchObject({ outcome: 'converged', rounds: 4, seconds: 60 })
    expect(byName(result.tenants, 'hongming')).toEqual({
      name: 'hongming',
      state: 'converged',
      actual: EXPECTED,
      attempts: 4,
      seconds_to_converge: 60,
      error_class: null,
      regressed: false
    })
    expect(clock.sleeps).toEqual([20_000, 20_000, 20_000])
    expect(fleet.requests('hongming')).toBe(4)
    // Settled in round 1, skipped while hongming lagged, read once more before the verdict.
    expect(fleet.requests('ana')).toBe(2)
    expect(recorder.text()[0]).toBe('round 1: 7/8 converged, 1 not yet (hongming actual=7a72516)')
  })

  it('never declares a draining tenant stale before the budget is spent (the incident)', async () => {
    // Read once while its old container still answers; it converges only in the last seconds of the budget.
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 235_000, sha: EXPECTED }] })
    const onRound = jest.fn()
    const result = await settle({ onRound })
    expect(result.outcome).toBe('converged')
    expect(byName(result.tenants, 'hongming').seconds_to_converge).toBe(240)
    expect(failureLines(result.tenants, EXPECTED)).toEqual([])
    expect(onRound).toHaveBeenCalledTimes(result.rounds)
  })

  it('reads every settled tenant again before the verdict: one that fell back to the old commit is stale, not verified', async () => {
    // ana converges, then her crash-looping container comes back on the old image and stays there.
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 40_000, sha: EXPECTED }] })
    fleet.set('ana', { sha: EXPECTED, schedule: [{ from: START + 30_000, sha: OLDER }] })
    const result = await settle({ budgetSeconds: 100 })
    expect(result.outcome).toBe('stale')
    expect(byName(result.tenants, 'ana')).toMatchObject({ state: 'stale', actual: OLDER, seconds_to_converge: null, regressed: true })
    expect(failureLines(result.tenants, EXPECTED)).toEqual([
      'ana is stale: actual=7a72516, expected=7f25373 (regressed: it reported this commit or a newer one earlier in this run)'
    ])
    expect(recorder.text()).toContain('1 tenant(s) no longer report 7f25373 when read again before the verdict: ana actual=7a72516; verifying on')
  })

  it('counts a tenant that regressed and came back only once it reports the commit again at the verdict', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 40_000, sha: EXPECTED }] })
    fleet.set('ana', {
      sha: EXPECTED,
      schedule: [
        { from: START + 30_000, sha: OLDER },
        { from: START + 70_000, sha: EXPECTED }
      ]
    })
    const result = await settle({ budgetSeconds: 240 })
    expect(result.outcome).toBe('converged')
    expect(byName(result.tenants, 'ana')).toMatchObject({ state: 'converged', actual: EXPECTED, seconds_to_converge: 80, regressed: false })
  })

  it('re-reads tenants settled at planning: one that fails the read is unreachable, and the run is not verified', async () => {
    fleet.set('ana', { status: 500 })
    const planned: TenantReport[] = FLEET.map((name) => ({
      name,
      state: 'converged',
      actual: EXPECTED,
      attempts: 1,
      seconds_to_converge: 0,
      error_class: null,
      regressed: false
    }))
    const result = await settle({ budgetSeconds: 40, settled: planned })
    expect(result.outcome).toBe('stale')
    expect(byName(result.tenants, 'ana')).toMatchObject({ state: 'unreachable', error_class: 'http_5xx', actual: EXPECTED })
    expect(failureLines(result.tenants, EXPECTED)).toEqual(['ana is unreachable: http_5xx, expected=7f25373'])
  })

  it('probes one last time exactly at the budget end, however the interval falls', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 50_000, sha: EXPECTED }] })
    const result = await settle({ budgetSeconds: 50 })
    expect(clock.sleeps).toEqual([20_000, 20_000, 10_000])
    expect(result).toMatchObject({ outcome: 'converged', rounds: 4 })
  })

  it('ends stale at the budget with one incident line per tenant that did not settle', async () => {
    fleet.set('hongming', { sha: OLDER })
    fleet.set('bo', { status: 503 })
    const result = await settle({ budgetSeconds: 50 })
    expect(result).toMatchObject({ outcome: 'stale', rounds: 4, seconds: 50 })
    // Never reported the expected commit: stale, not regressed.
    expect(byName(result.tenants, 'hongming')).toMatchObject({ state: 'stale', actual: OLDER, attempts: 4, seconds_to_converge: null, regressed: false })
    expect(failureLines(result.tenants, EXPECTED)).toEqual([
      'hongming is stale: actual=7a72516, expected=7f25373',
      'bo is unreachable: http_5xx, expected=7f25373'
    ])
    // What the probe found is in the tenant's line, classified, not on a raw line of its own.
    expect(failureLines(result.tenants, EXPECTED, result.details)).toContain('bo is unreachable: http_5xx, expected=7f25373 (HTTP 503)')
    expect(recorder.text().filter((line) => line.startsWith('bo:'))).toEqual([])
  })

  it('keeps the last commit a tenant reported when it later stops answering', async () => {
    fleet.set('hongming', { sha: OLDER })
    const result = await settle({
      budgetSeconds: 20,
      onRound: (round) => round === 1 && fleet.set('hongming', { status: 502 })
    })
    expect(byName(result.tenants, 'hongming')).toMatchObject({
      state: 'unreachable',
      error_class: 'http_5xx',
      actual: OLDER,
      attempts: 2
    })
    expect(failureLines(result.tenants, EXPECTED)).toEqual(['hongming is unreachable: http_5xx, expected=7f25373'])
  })

  it('counts a fleet that is already ahead as settled, and as stale when rolling back', async () => {
    fleet.setDefaultSha(NEWER)
    const forward = await settle({ budgetSeconds: 40 })
    expect(forward).toMatchObject({ outcome: 'converged', rounds: 1 })
    expect(forward.tenants.every((t) => t.state === 'ahead' && t.actual === NEWER && t.seconds_to_converge === null)).toBe(true)

    const rollback = await settle({ budgetSeconds: 40, allowRollback: true })
    expect(rollback.outcome).toBe('stale')
    expect(failureLines(rollback.tenants, EXPECTED)[0]).toBe('hongming is stale: actual=9c0ffee, expected=7f25373')
  })

  it('asks the forge about each distinct commit once for the whole run, not per tenant or round', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `t${i}`)
    fleet.setDefaultSha(OLDER)
    fleet.set('t1', { sha: NEWER.toUpperCase() })
    const result = await settle({ tenants: fleet.tenants(names), budgetSeconds: 60 })
    expect(result).toMatchObject({ outcome: 'stale', rounds: 4 })
    expect(compare).toHaveBeenCalledTimes(2)
  })

  it('ends green as superseded when a newer commit takes the branch between rounds', async () => {
    fleet.setDefaultSha(OLDER)
    const answers = [true, false]
    const stillOwner = jest.fn(async () => answers.shift() ?? false)
    const result = await settle({ stillOwner })
    expect(result).toMatchObject({ outcome: 'superseded', rounds: 2 })
    expect(stillOwner).toHaveBeenCalledTimes(2)
    expect(fleet.requests('ana')).toBe(2)
  })

  it('does not go red when the branch moved on by the time the budget ran out', async () => {
    fleet.setDefaultSha(OLDER)
    let calls = 0
    const result = await settle({ budgetSeconds: 20, stillOwner: async () => ++calls < 2 })
    expect(result.outcome).toBe('superseded')
  })

  it('verifies on when the ownership re-check itself fails (fail-open), with a warning', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 20_000, sha: EXPECTED }] })
    const result = await settle({ stillOwner: async () => Promise.reject(new Error('forge down')) })
    expect(result.outcome).toBe('converged')
    // Asked between rounds and before the verdict; the warning is printed once.
    expect(recorder.lines.filter((l) => l.level === 'warning')).toHaveLength(1)
  })

  it('stops promptly when cancelled and reports what it knows', async () => {
    fleet.setDefaultSha(OLDER)
    const controller = new AbortController()
    const result = await settle({ signal: controller.signal, onRound: () => controller.abort(new Error('cancelled')) })
    expect(result).toMatchObject({ outcome: 'aborted', rounds: 1 })
    expect(result.tenants.every((t) => t.state === 'stale' && t.attempts === 1)).toBe(true)
  })

  it.each(['{"sha":"::add-mask::x"}', '{"sha":"##[error]boom"}', '{"sha":"\\r::stop-commands::tok"}'])(
    'never logs a hostile body %s as a workflow command',
    async (body) => {
      fleet.set('hongming', { body })
      const result = await settle({ budgetSeconds: 0 })
      expect(byName(result.tenants, 'hongming')).toMatchObject({ state: 'unreachable', error_class: 'bad_payload' })
      const lines = [...recorder.text(), ...failureLines(result.tenants, EXPECTED, result.details)]
      expect(lines.some((line) => line.startsWith('hongming is unreachable: bad_payload, expected=7f25373 (field'))).toBe(true)
      for (const line of lines) expect(line).not.toMatch(/::|##\[|\r/)
    }
  )
})

describe('settleFleet with a health check', () => {
  let fleet: FakeFleet
  let clock: VirtualClock
  let recorder: ReturnType<typeof recordingLog>
  const THRESHOLDS = { successes: 2, failures: 3 }

  beforeEach(async () => {
    clock = new VirtualClock(START)
    fleet = await startFakeFleet({ sha: EXPECTED, clock })
    recorder = recordingLog()
  })
  afterEach(async () => {
    await fleet.close()
  })

  const checked = () => fleet.tenants(FLEET).map((t) => ({ ...t, health: fleet.healthUrl(t.name) }))

  function settle(overrides: Partial<SettleOptions> = {}) {
    return settleFleet({
      tenants: checked(),
      expectedSha: EXPECTED,
      shaFields: DEFAULT_SHA_FIELDS,
      budgetSeconds: 100,
      intervalSeconds: 20,
      allowRollback: false,
      clock,
      compare,
      stillOwner: async () => true,
      log: recorder.log,
      probe: { requestTimeoutMs: 2_000 },
      health: new HealthBook(THRESHOLDS),
      ...overrides
    })
  }

  it('a tenant on the new commit whose health path fails is not converged: unhealthy, named with the status and its path', async () => {
    fleet.set('ana', { health: { statuses: [503] } })
    const result = await settle()
    expect(result.outcome).toBe('stale')
    expect(byName(result.tenants, 'ana')).toMatchObject({
      state: 'unhealthy',
      actual: EXPECTED,
      healthy: false,
      health_status: 'http 503',
      seconds_to_converge: null
    })
    expect(byName(result.tenants, 'bo')).toMatchObject({ state: 'converged', healthy: true, health_status: 'http 200' })
    expect(failureLines(result.tenants, EXPECTED, new Map(), checked())).toEqual(['ana is unhealthy: http 503 on /t/ana/healthz (actual=7f25373)'])
    expect(recorder.text()[0]).toBe(
      'round 1: 0/8 converged, 8 not yet healthy (hongming: http 200, 1 of 2 passes in a row, ana: http 503, bo: http 200, 1 of 2 passes in a row, cy: http 200, 1 of 2 passes in a row, dee: http 200, 1 of 2 passes in a row and 3 more)'
    )
  })

  it('a flapping health path within the thresholds passes: healthy after two passes in a row, never failed by one 503', async () => {
    fleet.set('ana', { health: { statuses: [503, 200, 503, 503, 200, 200] } })
    const result = await settle({ budgetSeconds: 240 })
    expect(result.outcome).toBe('converged')
    expect(byName(result.tenants, 'ana')).toMatchObject({ state: 'converged', healthy: true, seconds_to_converge: 100 })
    expect(fleet.healthChecks('ana')).toBe(6)
    // Healthy in round 2; checked once more with their commit at the verdict.
    expect(fleet.healthChecks('bo')).toBe(3)
  })

  it('checks health only once a tenant reports the commit, and counts it converged only once healthy', async () => {
    fleet.set('hongming', { sha: OLDER, schedule: [{ from: START + 40_000, sha: EXPECTED }] })
    const result = await settle()
    expect(result.outcome).toBe('converged')
    expect(fleet.requests('hongming')).toBe(4)
    expect(fleet.healthChecks('hongming')).toBe(2)
    expect(byName(result.tenants, 'hongming')).toMatchObject({ state: 'converged', healthy: true, seconds_to_converge: 60 })
  })

  it('checks tenants the plan found on the commit: its read had no health check', async () => {
    const planned = FLEET.map((name) => ({ ...pendingReport(name), state: 'converged' as const, actual: EXPECTED, attempts: 1, seconds_to_converge: 0 }))
    fleet.set('cy', { health: { statuses: [500] } })
    const result = await settle({ settled: planned })
    expect(result.outcome).toBe('stale')
    expect(byName(result.tenants, 'cy')).toMatchObject({ state: 'unhealthy', healthy: false, health_status: 'http 500' })
    // Two passes make it healthy; the verdict reads it once more.
    expect(fleet.healthChecks('bo')).toBe(3)
    // Checked in the rounds from the start, not taken for tenants that fell back at the verdict.
    expect(recorder.text().filter((line) => line.includes('no longer report'))).toEqual([])
  })

  it('a hostile health body reaches no log line', async () => {
    registerSecret('s3cret-token')
    fleet.set('ana', { health: { statuses: [500], body: '::error::pwned ##[add-mask]x s3cret-token' } })
    const result = await settle()
    expect(result.outcome).toBe('stale')
    const logged = recorder.text().join('\n')
    expect(logged).not.toMatch(/::error|##\[|s3cret|pwned/)
    expect(JSON.stringify(result.tenants)).not.toMatch(/::error|##\[|s3cret|pwned/)
  })

  it('without a health book, health URLs are not probed', async () => {
    const result = await settle({ health: undefined })
    expect(result.outcome).toBe('converged')
    expect(FLEET.map((name) => fleet.healthChecks(name))).toEqual(FLEET.map(() => 0))
    expect(result.tenants.every((t) => t.healthy === undefined)).toBe(true)
  })
})

describe('probeFleet', () => {
  it('classifies the fleet in one round, so redeploy can leave converged tenants alone', async () => {
    const fleet = await startFakeFleet({ sha: EXPECTED })
    try {
      fleet.set('hongming', { sha: OLDER })
      fleet.set('ana', { sha: NEWER })
      fleet.set('bo', { hang: true })
      const reports = await probeFleet(fleet.tenants(['hongming', 'ana', 'bo', 'cy']), '7F25373', {
        shaFields: DEFAULT_SHA_FIELDS,
        clock: new VirtualClock(START),
        log: recordingLog().log,
        compare,
        probe: { requestTimeoutMs: 200 }
      })
      expect(reports.map((r) => [r.name, r.state, r.error_class])).toEqual([
        ['hongming', 'stale', null],
        ['ana', 'ahead', null],
        ['bo', 'unreachable', 'deadline'],
        ['cy', 'converged', null]
      ])
      expect(fleet.stats().requests).toBe(4)
    } finally {
      await fleet.close()
    }
  })
})
