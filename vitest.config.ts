import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // E2E suites each start their own local stack; keep them from fighting over two cores.
    fileParallelism: true,
    maxWorkers: 2,
    // The Lambda runtime is Node 22; the SDK's notice about running on Node 20 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
