import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // E2E suites each start their own local stack; keep them from fighting over two cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
