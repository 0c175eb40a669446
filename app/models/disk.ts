import fs from 'node:fs/promises';

/** Bytes an unprivileged process may still write on the volume holding `dir`. */
export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}
