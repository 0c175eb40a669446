import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../contract/index.js';
import { checkModelFile } from '../inference/index.js';

export interface Expected {
  sizeBytes: number;
  sha256: string | null;
}

export async function sha256File(file: string, onProgress?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const c of chunks) {
      hash.update(c);
      done += c.length;
      onProgress?.(done);
    }
    yield* [];
  });
  return hash.digest('hex');
}

/**
 * node-llama-cpp's downloader checks nothing, so after each download: the size, then the GGUF
 * structure (header, metadata, every tensor inside the file), then the published sha256. A file
 * that fails any of them is deleted, and the error says which check failed and by how much.
 */
export async function verifyDownload(file: string, expected: Expected, onProgress?: (fraction: number) => void): Promise<void> {
  const fail = async (code: 'DOWNLOAD_SIZE_MISMATCH' | 'DOWNLOAD_CHECKSUM_MISMATCH' | 'MODEL_CORRUPT', message: string, detail?: string) => {
    await fsp.rm(file, { force: true });
    throw new AppError(code, { message, detail });
  };
  const { size } = await fsp.stat(file);
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (size !== expected.sizeBytes) {
    await fail('DOWNLOAD_SIZE_MISMATCH', `The download has ${fmt(size)} bytes but the model has ${fmt(expected.sizeBytes)}, so it was deleted. Download it again.`);
  }
  try {
    await checkModelFile(file);
  } catch (err) {
    const e = AppError.from(err);
    await fail('MODEL_CORRUPT', `The downloaded file is not a usable model (${e.message}), so it was deleted.`, e.detail);
  }
  if (expected.sha256) {
    const actual = await sha256File(file, (b) => onProgress?.(b / size));
    if (actual !== expected.sha256) {
      await fail(
        'DOWNLOAD_CHECKSUM_MISMATCH',
        `The download's sha256 is ${actual.slice(0, 12)}…, not the published ${expected.sha256.slice(0, 12)}…, so it was deleted. The file was damaged on the way or changed at the source.`,
      );
    }
  }
}
