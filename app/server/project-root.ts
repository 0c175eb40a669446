import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Works from source (app/server) and from the compiled tree (dist/app/server) alike. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'renderer'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Cannot find the Modest project folder.');
    dir = up;
  }
}

export function rendererDir(): string {
  return path.join(projectRoot(), 'renderer', 'dist');
}
