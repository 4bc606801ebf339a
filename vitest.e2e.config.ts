import { defineConfig } from 'vitest/config';

// Real browsers: one file at a time, so tabs of two tests never share the two cores. The churn run is part of
// it and sets its own longer timeout.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts', 'test/churn/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
