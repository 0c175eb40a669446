import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, ProviderIdSchema, type KeyStatus, type ProviderId } from '../contract/index.js';

/** The OS secret store, as the desktop shell hands it in (Electron's safeStorage). */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export interface KeyStore {
  status(): KeyStatus;
  /** The key to use for a provider: a saved one first, then the environment. */
  get(provider: ProviderId): string | null;
  set(provider: ProviderId, key: string): KeyStatus;
  delete(provider: ProviderId): KeyStatus;
}

export const KEYS_FILE = 'keys.json';

/** The conventional variables, so keys a person already exports for other tools just work. */
export const ENV_VARS: Record<ProviderId, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', huggingface: 'HF_TOKEN' };

const PROVIDERS = ProviderIdSchema.options;
const KeysFileSchema = z.object({ version: z.literal(1), keys: z.partialRecord(ProviderIdSchema, z.string()) });

/** "A, B or C". */
function orList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function fromEnv(env: NodeJS.ProcessEnv, provider: ProviderId): string | null {
  const v = env[ENV_VARS[provider]]?.trim();
  return v ? v : null;
}

/**
 * Keys only from environment variables: the browser mode (no OS secret store reachable) and the
 * desktop app where the store is missing or would only obfuscate (Linux `basic_text`).
 */
export function createEnvKeyStore(reason: string, env: NodeJS.ProcessEnv = process.env): KeyStore {
  const status = (): KeyStatus => ({
    storage: 'env-only',
    note: `API keys are read only from environment variables (${Object.values(ENV_VARS).join(', ')}), because ${reason}.`,
    providers: Object.fromEntries(PROVIDERS.map((p) => [p, fromEnv(env, p) ? 'environment' : 'none'])) as KeyStatus['providers'],
    envVars: ENV_VARS,
  });
  const refuse = (): never => {
    throw new AppError('KEYS_ENV_ONLY', { message: `API keys cannot be saved here because ${reason}. Set ${orList(Object.values(ENV_VARS))} instead, then restart Modest.` });
  };
  return { status, get: (p) => fromEnv(env, p), set: refuse, delete: refuse };
}

/**
 * Keys encrypted by the OS secret store, kept as ciphertext in `keys.json` in the data folder.
 * The plaintext exists only in memory; the file is replaced atomically so a crash mid-write
 * leaves the previous keys, never a torn file.
 */
export function createEncryptedKeyStore(dataDir: string, cipher: SecretCipher, env: NodeJS.ProcessEnv = process.env): KeyStore {
  const file = path.join(dataDir, KEYS_FILE);
  let saved = read();

  function read(): Partial<Record<ProviderId, string>> {
    let raw: string;
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch {
      return {};
    }
    const parsed = KeysFileSchema.safeParse(safeJson(raw));
    if (!parsed.success) {
      // A damaged file must not stop the app; keep it aside so nothing is silently destroyed.
      fs.renameSync(file, `${file}.damaged-${Date.now()}`);
      console.error(`[modest] ${file} was unreadable and has been set aside; API keys must be entered again.`);
      return {};
    }
    return parsed.data.keys;
  }

  function write(next: Partial<Record<ProviderId, string>>): void {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, keys: next }), { mode: 0o600 });
    fs.renameSync(tmp, file);
    saved = next;
  }

  function decrypted(provider: ProviderId): string | null {
    const blob = saved[provider];
    if (!blob) return null;
    try {
      return cipher.decrypt(Buffer.from(blob, 'base64'));
    } catch {
      // Encrypted under another OS account or keychain: unusable, but the environment may help.
      return null;
    }
  }

  const status = (): KeyStatus => ({
    storage: 'os-keychain',
    note: 'API keys you save are encrypted by your operating system’s secret store. Environment variables are used when no key is saved.',
    providers: Object.fromEntries(
      PROVIDERS.map((p) => [p, decrypted(p) ? 'saved' : fromEnv(env, p) ? 'environment' : 'none']),
    ) as KeyStatus['providers'],
    envVars: ENV_VARS,
  });

  return {
    status,
    get: (p) => decrypted(p) ?? fromEnv(env, p),
    set(provider, key) {
      write({ ...saved, [provider]: cipher.encrypt(key).toString('base64') });
      return status();
    },
    delete(provider) {
      const { [provider]: _gone, ...rest } = saved;
      write(rest);
      return status();
    },
  };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}
