// Jest's globalSetup and globalTeardown: every test, worker and child process puts its temporary files under
// one folder of this run (TMPDIR, which os.tmpdir() reads), and the whole folder is removed when the run ends,
// whatever a test forgot to clean up.
const { mkdtempSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

module.exports = {
  setup() {
    process.env.FLEET_FORWARD_TEST_TMPDIR = mkdtempSync(join(tmpdir(), 'fleet-forward-tests-'))
    process.env.TMPDIR = process.env.FLEET_FORWARD_TEST_TMPDIR
  },
  teardown() {
    rmSync(process.env.FLEET_FORWARD_TEST_TMPDIR, { recursive: true, force: true })
  }
}
