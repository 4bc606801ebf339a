import { defineConfig } from 'vitest/config';

// The churn run: long, many browsers, so it has a config and an npm script of its own (npm run test:churn).
export default defineConfig({
  test: {
    include: ['test/churn/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 60_000,
  },
});
