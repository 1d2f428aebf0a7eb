import { defineConfig } from 'vitest/config';

// Three projects, all run by `npm test`:
//   unit        engine and tooling in one Node process per file (tfjs wasm/cpu); fast, no child processes
//   integration the CLI and the benchmark as child processes, the kernel pool's worker_threads helpers, studies
//   e2e         the built app in headless Chromium (`npm run build` first)
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // tfjs keeps one global engine per process; forks keep test files isolated from each other.
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
