/** Kept for the transport tests' imports: the shared helpers live in test/support/records.ts. */
export { testConfig } from '../support/records.js'
