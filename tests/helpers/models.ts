import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeTinyModel, makeTinyModel, TINY_MODEL_VERSION, type TinyModel, type TinyModelVariant } from '../../models/tiny-model/index.js';

/** Generated models are cached here, shared by test files and runs (never inside the repository). */
export const TEST_MODELS_DIR = path.join(os.tmpdir(), 'modest-test-models');

const pending = new Map<TinyModelVariant, Promise<TinyModel>>();

/**
 * A generated test model, made once per variant and generator version. It is written under a
 * temporary name and renamed into place, so concurrent test workers never see a half-written file.
 */
export function tinyModel(variant: TinyModelVariant): Promise<TinyModel> {
  let p = pending.get(variant);
  if (!p) {
    p = ensure(variant);
    pending.set(variant, p);
    p.catch(() => pending.delete(variant));
  }
  return p;
}

async function ensure(variant: TinyModelVariant): Promise<TinyModel> {
  const file = path.join(TEST_MODELS_DIR, `${variant}-v${TINY_MODEL_VERSION}.gguf`);
  try {
    const stat = await fs.stat(file);
    if (stat.isFile() && stat.size > 0) return { path: file, ...describeTinyModel({ variant }), sizeBytes: stat.size };
  } catch {
    // not made yet
  }
  await fs.mkdir(TEST_MODELS_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const made = await makeTinyModel({ variant, out: tmp });
    await fs.rename(tmp, file);
    return { ...made, path: file };
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
