export { createEncryptedKeyStore, createEnvKeyStore, ENV_VARS, KEYS_FILE, type KeyStore, type SecretCipher } from './key-store.js';
