import { decodeLock, encodeLock, MAX_EARLIER_RUNS, releaseOf } from '../../src/forge/lock-holder.js'
import type { LockHolder } from '../../src/forge/types.js'

const A = '7a72516' + 'a'.repeat(33)
const B = '7f25373' + 'b'.repeat(33)
const C = '9e1e7e5' + 'c'.repeat(33)
const HOLDER: LockHolder = { runUrl: 'https://ci/runs/3', sha: A, expiresAt: Date.UTC(2026, 10, 23, 12, 10), nonce: 'n3' }

function body(message: string): unknown {
  return JSON.parse(message.slice(message.indexOf('{')))
}

describe('lock records (src/forge/lock-holder.ts)', () => {
  it('a holder with the runs it learned of round-trips; without any, the record has no earlier field', () => {
    const earlier = [{ runUrl: 'https://ci/runs/2', sha: B }]
    expect(decodeLock(encodeLock('production', { ...HOLDER, earlier }))).toEqual({ holder: { ...HOLDER, earlier } })
    expect(body(encodeLock('production', HOLDER))).toEqual({ run_url: 'https://ci/runs/3', sha: A, expires_at: '2026-11-23T12:10:00.000Z', nonce: 'n3' })
    expect(decodeLock(encodeLock('production', HOLDER))).toEqual({ holder: HOLDER })
  })

  it('a release names the releasing run first, then the runs it had learned of, without a nonce or a lease', () => {
    const release = releaseOf({ ...HOLDER, earlier: [{ runUrl: 'https://ci/runs/2', sha: B }] })
    expect(body(encodeLock('production', release))).toEqual({
      released: true,
      run_url: 'https://ci/runs/3',
      sha: A,
      earlier: [{ run_url: 'https://ci/runs/2', sha: B }]
    })
    expect(decodeLock(encodeLock('production', release))).toEqual({
      holder: null,
      released: [
        { runUrl: 'https://ci/runs/3', sha: A },
        { runUrl: 'https://ci/runs/2', sha: B }
      ]
    })
  })

  it('a release written before releases named runs names none', () => {
    expect(decodeLock('fleet-forward lock production\n\n{"released":true}\n')).toEqual({ holder: null })
  })

  it("keeps one run per commit, none on the holder's own commit, at most MAX_EARLIER_RUNS", () => {
    const many = Array.from({ length: MAX_EARLIER_RUNS + 3 }, (_, i) => ({ run_url: `https://ci/runs/${i}`, sha: `${i}`.padStart(40, 'd') }))
    const message = JSON.stringify({
      run_url: 'https://ci/runs/9',
      sha: A,
      expires_at: '2026-11-23T12:10:00.000Z',
      nonce: 'n9',
      earlier: [{ run_url: 'https://ci/runs/8', sha: A }, { run_url: 'https://ci/runs/7', sha: B }, { run_url: 'https://ci/runs/6', sha: B }, ...many]
    })
    const earlier = decodeLock(message).holder?.earlier ?? []
    expect(earlier).toHaveLength(MAX_EARLIER_RUNS)
    expect(earlier[0]).toEqual({ runUrl: 'https://ci/runs/7', sha: B })
    expect(new Set(earlier.map((run) => run.sha)).size).toBe(MAX_EARLIER_RUNS)
  })

  it('hostile or broken entries name no run; a record that cannot be read is a holder whose lease has ended', () => {
    const message = JSON.stringify({
      released: true,
      run_url: 'https://ci/runs/3',
      sha: C,
      earlier: [null, 7, { sha: 42 }, { run_url: {}, sha: B }, { run_url: 'x'.repeat(5000), sha: 'not a commit' }, 'x']
    })
    expect(decodeLock(message)).toEqual({
      holder: null,
      released: [
        { runUrl: 'https://ci/runs/3', sha: C },
        { runUrl: '', sha: B }
      ]
    })
    expect(decodeLock(JSON.stringify({ released: true, earlier: 'not a list' }))).toEqual({ holder: null })
    expect(decodeLock('not json {')).toEqual({ holder: { runUrl: '', sha: '', expiresAt: 0, nonce: '' } })
  })
})
