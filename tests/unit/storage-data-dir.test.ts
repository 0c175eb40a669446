import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../app/storage/index.js';
import { defaultDataDirFor } from '../../app/storage/data-dir.js';
import { slug } from '../../app/storage/export.js';

describe('defaultDataDir', () => {
  it('follows each OS convention', () => {
    expect(defaultDataDirFor('win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\Modest',
    );
    expect(defaultDataDirFor('win32', {}, 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\Modest');
    expect(defaultDataDirFor('darwin', {}, '/Users/ana')).toBe('/Users/ana/Library/Application Support/Modest');
    expect(defaultDataDirFor('linux', { XDG_DATA_HOME: '/data/ana' }, '/home/ana')).toBe('/data/ana/modest');
    expect(defaultDataDirFor('linux', {}, '/home/ana')).toBe('/home/ana/.local/share/modest');
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(defaultDataDirFor('linux', { XDG_DATA_HOME: 'rel/dir' }, '/home/ana')).toBe('/home/ana/.local/share/modest');
    expect(defaultDataDirFor('freebsd', {}, '/home/ana')).toBe('/home/ana/.local/share/modest');
  });

  it('resolves for this machine to an absolute path', () => {
    expect(defaultDataDir()).toMatch(/modest$/i);
    expect(defaultDataDir().startsWith('/') || /^[A-Za-z]:\\/.test(defaultDataDir())).toBe(true);
  });
});

describe('export filename slug', () => {
  it.each([
    ['Trip to Lisbon', 'trip-to-lisbon'],
    ['Café — Zürich!', 'cafe-zurich'],
    ['CON', 'con'],
    ['a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'],
    ['../../etc/passwd', 'etc-passwd'],
    ['東京', 'conversation'],
    ['🙂', 'conversation'],
    ['', 'conversation'],
    ['x'.repeat(300), 'x'.repeat(48)],
  ])('%j → %s', (title, expected) => {
    expect(slug(title)).toBe(expected);
  });
});
