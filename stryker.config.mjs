// Mutation testing of the deterministic core and storage: `npm run mutate`.
// Not part of CI. One worker, so that the machine keeps a core for others.
// Narrow it with `npm run mutate -- --mutate 'src/paxos/**/*.ts'`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: ['src/paxos/**/*.ts', 'src/node/**/*.ts', 'src/storage/**/*.ts', 'src/invariant.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false },
  // TypeScript 7 has no JavaScript API, which Stryker's tsconfig rewriting
  // (for "extends"/"references" outside the sandbox; we have none) calls: point
  // it at no file so that it skips. Vitest still reads tsconfig.json itself.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true
}
