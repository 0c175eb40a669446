// Plain JS on purpose: the engine's worker thread inherits --import flags and loads this too.
import { register } from 'node:module';

register('./fake-electron-hooks.mjs', import.meta.url);
