import os from 'node:os';

/**
 * Decode is memory-bandwidth bound: on small machines one or two threads saturate it, and more
 * threads than cores collapse throughput (node-llama-cpp's default of 4 on 2 cores ran ~85x slower
 * here). So: half the logical cores (hyper-threads share a core's bandwidth), at least 1, at most 4.
 * `npm run bench` prints the measured tokens/s for 1, 2 and 4 threads.
 */
export function defaultThreads(logicalCores = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, Math.floor(logicalCores / 2)));
}

/** Settings store 0 for "choose for me". */
export function resolveThreads(setting: number, logicalCores = os.availableParallelism()): number {
  if (setting > 0) return Math.min(setting, Math.max(1, logicalCores));
  return defaultThreads(logicalCores);
}
