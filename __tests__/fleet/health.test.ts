import { HealthBook, healthStatus, nextHealth, NEW_HEALTH_TRACKER, type HealthProbe, type HealthTracker } from '../../src/fleet/health.js'

const PASS: HealthProbe = { ok: true, status: 'http 200' }
const FAIL: HealthProbe = { ok: false, status: 'http 503' }
const DEADLINE: HealthProbe = { ok: false, status: 'deadline' }
const THRESHOLDS = { successes: 2, failures: 3 }

function verdicts(probes: readonly HealthProbe[], thresholds = THRESHOLDS): string[] {
  let tracker: HealthTracker = NEW_HEALTH_TRACKER
  return probes.map((probe) => (tracker = nextHealth(tracker, probe, thresholds)).verdict)
}

describe('the health state machine', () => {
  it('is healthy only after health-successes passes in a row', () => {
    expect(verdicts([PASS, PASS])).toEqual(['checking', 'healthy'])
    expect(verdicts([PASS, FAIL, PASS, PASS])).toEqual(['checking', 'checking', 'checking', 'healthy'])
  })

  it('is unhealthy only after health-failures failures in a row: a single failed probe never fails a tenant', () => {
    expect(verdicts([FAIL, FAIL, DEADLINE])).toEqual(['checking', 'checking', 'unhealthy'])
    expect(verdicts([FAIL, FAIL, PASS, FAIL, FAIL])).toEqual(['checking', 'checking', 'checking', 'checking', 'checking'])
  })

  it('keeps a verdict until the other threshold is reached (hysteresis): a healthy tenant survives two failures, an unhealthy one needs two passes', () => {
    expect(verdicts([PASS, PASS, FAIL, FAIL, PASS])).toEqual(['checking', 'healthy', 'healthy', 'healthy', 'healthy'])
    expect(verdicts([PASS, PASS, FAIL, FAIL, FAIL])).toEqual(['checking', 'healthy', 'healthy', 'healthy', 'unhealthy'])
    expect(verdicts([FAIL, FAIL, FAIL, PASS, PASS])).toEqual(['checking', 'checking', 'unhealthy', 'unhealthy', 'healthy'])
  })

  it('with thresholds of 1, follows every probe', () => {
    expect(verdicts([PASS, FAIL, PASS], { successes: 1, failures: 1 })).toEqual(['healthy', 'unhealthy', 'healthy'])
  })

  it('reports the last status, and how far a pass got while not yet healthy', () => {
    const book = new HealthBook(THRESHOLDS)
    expect(healthStatus(NEW_HEALTH_TRACKER, THRESHOLDS)).toBeNull()
    expect(healthStatus(book.record('ana', PASS), THRESHOLDS)).toBe('http 200, 1 of 2 passes in a row')
    expect(healthStatus(book.record('ana', PASS), THRESHOLDS)).toBe('http 200')
    expect(healthStatus(book.record('ana', DEADLINE), THRESHOLDS)).toBe('deadline')
    expect(book.record('ana', DEADLINE).verdict).toBe('healthy')
  })

  it('keeps one tracker per tenant, and starts a tenant over when it is read off the commit', () => {
    const book = new HealthBook(THRESHOLDS)
    book.record('ana', PASS)
    book.record('ana', PASS)
    expect(book.record('bo', PASS).verdict).toBe('checking')
    book.reset('ana')
    expect(book.record('ana', PASS).verdict).toBe('checking')
  })
})
