/** What Electron's safeStorage reports, as far as choosing a key store needs it. */
export interface SafeStorageFacts {
  platform: NodeJS.Platform;
  encryptionAvailable: boolean;
  /** Linux only: `basic_text` means a hard-coded password, i.e. obfuscation, not encryption. */
  linuxBackend?: string;
}

export type KeyStorageChoice = { kind: 'os' } | { kind: 'env'; reason: string };

/**
 * Keys are saved only where the OS really encrypts them. On Linux without a running secret
 * service Electron falls back to `basic_text`; saving keys there would be plaintext in all but
 * name, so Modest reads them from the environment instead and the Settings panel says why.
 */
export function chooseKeyStorage(f: SafeStorageFacts): KeyStorageChoice {
  if (!f.encryptionAvailable) return { kind: 'env', reason: 'this computer has no secret store that Modest can use' };
  if (f.platform === 'linux' && (f.linuxBackend === 'basic_text' || f.linuxBackend === 'unknown')) {
    return { kind: 'env', reason: 'no secret service (such as GNOME Keyring or KWallet) is running, so keys could not be encrypted' };
  }
  return { kind: 'os' };
}
