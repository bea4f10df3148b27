/**
 * The tests `npm run mutate` (Stryker, stryker.config.mjs) runs against each
 * mutant: the fast unit tests of src/paxos, src/node and src/storage, and of
 * src/invariant.ts (test/invariant.test.ts). No
 * network or multihost suite, and not the 5000-seed simulator run.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/paxos/**/*.test.ts', 'test/node/**/*.test.ts', 'test/storage/**/*.test.ts', 'test/invariant.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
