import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** A tuning belongs to one model file: its name and exact size tell files apart without hashing gigabytes. */
export function modelKey(filePath: string, sizeBytes: number): string {
  return `${path.basename(filePath)}:${sizeBytes}`;
}

/**
 * A tuning belongs to one machine too: the same data folder copied to another computer (or the
 * GPU setting changed) must be measured again.
 */
export function machineKey(gpu: string): string {
  const cpu = os.cpus()[0]?.model ?? '';
  const ramGiB = Math.round(os.totalmem() / 1024 ** 3);
  return createHash('sha256').update(JSON.stringify({ cpu, cores: os.availableParallelism(), ramGiB, gpu, platform: process.platform, arch: process.arch })).digest('hex').slice(0, 16);
}
