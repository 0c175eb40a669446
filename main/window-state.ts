import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const WINDOW_STATE_FILE = 'window-state.json';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const StateSchema = z.object({
  bounds: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive() }),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof StateSchema>;

export const DEFAULT_SIZE = { width: 1100, height: 760 };
export const MIN_SIZE = { width: 560, height: 420 };
/** At least this much of the title bar must be on a screen for the window to be reachable. */
const MIN_VISIBLE = 100;

/**
 * Where to put the window: the remembered bounds when they still land on a connected display,
 * otherwise a default size centred on the primary one (the monitor it was on may be gone).
 */
export function placeWindow(saved: WindowState | null, displays: readonly Rect[], primary: Rect): { bounds: Rect; maximized: boolean } {
  const centred = (): Rect => {
    const width = Math.min(DEFAULT_SIZE.width, primary.width);
    const height = Math.min(DEFAULT_SIZE.height, primary.height);
    return {
      x: primary.x + Math.round((primary.width - width) / 2),
      y: primary.y + Math.round((primary.height - height) / 2),
      width,
      height,
    };
  };
  if (!saved) return { bounds: centred(), maximized: false };
  const b = {
    ...saved.bounds,
    width: Math.max(MIN_SIZE.width, saved.bounds.width),
    height: Math.max(MIN_SIZE.height, saved.bounds.height),
  };
  const titleBarVisible = displays.some(
    (d) => overlap(b.x, b.x + b.width, d.x, d.x + d.width) >= MIN_VISIBLE && b.y >= d.y && b.y < d.y + d.height - 20,
  );
  return { bounds: titleBarVisible ? b : centred(), maximized: saved.maximized };
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** A missing or damaged file is not an error: the window just opens at its default place. */
export function loadWindowState(dataDir: string): WindowState | null {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dataDir, WINDOW_STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveWindowState(dataDir: string, state: WindowState): void {
  const file = path.join(dataDir, WINDOW_STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  } catch (err) {
    // Losing the window position is not worth an error dialog at quit.
    console.error(`[modest] could not remember the window position: ${(err as Error).message}`);
  }
}
