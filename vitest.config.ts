import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,plugins,runtime,agent,hub,cli,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/support/skipped-services-reporter.ts'],
  },
});
