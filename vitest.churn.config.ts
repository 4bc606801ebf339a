import { defineConfig } from 'vitest/config';

// The churn run alone (npm run test:churn, e.g. with CHURN_SEED=n); npm test runs it with the other browser tests.
export default defineConfig({
  test: {
    include: ['test/churn/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 60_000,
  },
});
