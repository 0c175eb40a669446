import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEncryptedKeyStore, createEnvKeyStore, KEYS_FILE, type SecretCipher } from '../../app/secrets/index.js';

/** Stands in for safeStorage: real AES-GCM under a key that, like the OS keychain's, is not in the file. */
function aesCipher(key = randomBytes(32)): SecretCipher {
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(data) {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

const KEY = 'sk-test-0123456789abcdefTOPSECRET';
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modest-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('encrypted key store (desktop, OS secret store)', () => {
  it('saves keys encrypted: the file never holds the key, and a new process reads it back', () => {
    const cipher = aesCipher();
    const store = createEncryptedKeyStore(dir, cipher, {});
    expect(store.set('openai', KEY).providers).toEqual({ openai: 'saved', anthropic: 'none', huggingface: 'none' });
    const raw = fs.readFileSync(path.join(dir, KEYS_FILE), 'utf8');
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain('TOPSECRET');
    expect(createEncryptedKeyStore(dir, cipher, {}).get('openai')).toBe(KEY);
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dir, KEYS_FILE)).mode & 0o077).toBe(0);
  });

  it('prefers a saved key, falls back to the environment, and deletes', () => {
    const store = createEncryptedKeyStore(dir, aesCipher(), { ANTHROPIC_API_KEY: 'env-anthropic-key', OPENAI_API_KEY: 'env-openai-key' });
    expect(store.status()).toMatchObject({ storage: 'os-keychain', providers: { openai: 'environment', anthropic: 'environment' } });
    store.set('openai', KEY);
    expect(store.get('openai')).toBe(KEY);
    expect(store.get('anthropic')).toBe('env-anthropic-key');
    expect(store.delete('openai').providers.openai).toBe('environment');
    expect(store.get('openai')).toBe('env-openai-key');
  });

  it('treats a key encrypted by another keychain as absent instead of failing', () => {
    createEncryptedKeyStore(dir, aesCipher(), {}).set('openai', KEY);
    const other = createEncryptedKeyStore(dir, aesCipher(), {});
    expect(other.get('openai')).toBeNull();
    expect(other.status().providers.openai).toBe('none');
  });

  it('sets a damaged keys file aside and starts empty, keeping the damaged copy', () => {
    fs.writeFileSync(path.join(dir, KEYS_FILE), '{"version":1,"keys":{"openai":');
    const store = createEncryptedKeyStore(dir, aesCipher(), {});
    expect(store.status().providers.openai).toBe('none');
    expect(fs.readdirSync(dir).some((f) => f.startsWith(`${KEYS_FILE}.damaged-`))).toBe(true);
  });
});

describe('environment-only key store (browser mode, Linux basic_text)', () => {
  it('reads keys from the conventional variables and says why it cannot save', () => {
    const store = createEnvKeyStore('no secret service is running', { OPENAI_API_KEY: '  env-key  ' });
    expect(store.get('openai')).toBe('env-key');
    expect(store.get('anthropic')).toBeNull();
    const status = store.status();
    expect(status).toMatchObject({ storage: 'env-only', providers: { openai: 'environment', anthropic: 'none' } });
    expect(status.note).toBe('API keys are read only from environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN), because no secret service is running.');
    expect(() => store.set('openai', KEY)).toThrow(expect.objectContaining({ code: 'KEYS_ENV_ONLY', message: expect.stringContaining('no secret service is running') }));
    expect(() => store.delete('openai')).toThrow(expect.objectContaining({ code: 'KEYS_ENV_ONLY' }));
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
