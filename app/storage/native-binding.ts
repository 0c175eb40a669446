import type Database from 'better-sqlite3';

let nativeBinding: string | undefined;

/**
 * The desktop app in development must load a better-sqlite3 built for Electron's ABI, while
 * node_modules keeps the one built for Node (the tests need it). `npm start` builds the Electron
 * one into .cache/ and the shell points here before opening storage. Packaged apps need none of
 * this: electron-builder rebuilt node_modules for Electron.
 */
export function useSqliteNativeBinding(file: string | undefined): void {
  nativeBinding = file;
}

export function sqliteOptions(timeout: number): Database.Options {
  return nativeBinding ? { timeout, nativeBinding } : { timeout };
}
