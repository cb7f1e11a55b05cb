import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,plugins,runtime,agent,hub,cli,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/support/skipped-services-reporter.ts'],
    // Worker threads of the code under test run its TypeScript worker modules (test/support/worker-loader.mjs).
    poolOptions: {
      forks: { execArgv: ['--import', new URL('./test/support/worker-loader.mjs', import.meta.url).href] },
    },
    globalSetup: ['./test/support/worker-warmup.ts'],
  },
});
