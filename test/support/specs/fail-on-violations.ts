// Jest setup (setupFilesAfterEnv): a test fails when a fake forge it used served an exchange the forge's
// API description does not allow (test/support/specs/conformance.ts).
import { assertFakesConform } from './conformance.js'

afterEach(() => assertFakesConform())
