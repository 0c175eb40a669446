import { defineConfig } from 'vitest/config';

// Native modules (llama.cpp, SQLite) are safest in forked processes; the machines have 2 cores,
// so files run two at a time at most and inference tests get generous timeouts.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    include: ['tests/**/*.test.ts'],
    reporters: ['default'],
  },
});
