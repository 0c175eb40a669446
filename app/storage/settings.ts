import type Database from 'better-sqlite3';
import { AppError, DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../contract/index.js';
import type { SettingsRepo } from './types.js';

const KEYS = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

export function createSettingsRepo(db: Database.Database): SettingsRepo {
  const q = {
    all: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings'),
    put: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };

  /**
   * Defaults overlaid with every stored value that is still valid. A value an older or newer
   * Modest wrote, or a hand edit, must never stop the app from starting: it falls back to its
   * default, key by key, and unknown keys are ignored.
   */
  const get = (): Settings => {
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const { key, value } of q.all.all()) {
      if (!(KEYS as string[]).includes(key)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue;
      }
      const field = SettingsSchema.shape[key as keyof Settings].safeParse(parsed);
      if (field.success) out[key] = field.data;
    }
    return out as Settings;
  };

  const write = db.transaction((values: Partial<Settings>) => {
    for (const [key, value] of Object.entries(values)) q.put.run(key, JSON.stringify(value));
  });

  return {
    get,
    update(patch) {
      const checked = SettingsSchema.partial().strict().safeParse(patch);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        throw new AppError('BAD_REQUEST', {
          message: `That setting is not valid (${where}${issue?.message ?? 'invalid value'}).`,
          detail: checked.error.message,
        });
      }
      const values = Object.fromEntries(Object.entries(checked.data).filter(([, v]) => v !== undefined));
      write(values);
      return get();
    },
  };
}
