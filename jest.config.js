// ESM throughout: @actions/core 3 and p-retry 7 ship only ESM, so jest runs with
// --experimental-vm-modules (set by `npm test`) and ts-jest's ESM preset.
// Type checking is `npm run typecheck`; ts-jest only transpiles (isolatedModules in tsconfig.json), which keeps the suite fast.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // A test fails when a fake forge served it an exchange the forge's own API description does not allow.
  setupFilesAfterEnv: ['<rootDir>/test/support/specs/fail-on-violations.ts'],
  reporters: ['default', '<rootDir>/scripts/plain-summary-reporter.cjs'],
  // One temporary folder per run, removed at its end (scripts/jest-temp-dir.cjs).
  globalSetup: '<rootDir>/scripts/jest-global-setup.cjs',
  globalTeardown: '<rootDir>/scripts/jest-global-teardown.cjs',
  testTimeout: 60000
}
