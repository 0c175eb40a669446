import fs from 'node:fs/promises';
import path from 'node:path';
import * as llamaCpp from 'node-llama-cpp';
import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { AppError } from '../contract/index.js';
import { tensorByteSize } from './ggml-types.js';

const GGUF_MAGIC = Buffer.from('GGUF', 'ascii');

// The d.ts declares this enum `const`, but the package exports it at run time; it lists exactly the
// architectures the bundled llama.cpp knows.
const SUPPORTED_ARCHITECTURES = new Set<string>(
  Object.values((llamaCpp as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType),
);

export interface CheckedModelFile {
  path: string;
  sizeBytes: number;
  info: GgufFileInfo;
  architecture: string;
  name: string;
  trainContextSize: number | undefined;
}

/**
 * Everything that can be known about a model file before llama.cpp touches it, turned into errors
 * a person can act on. llama.cpp's own failures are all "Failed to load model".
 */
export async function checkModelFile(filePath: string): Promise<CheckedModelFile> {
  const abs = path.resolve(filePath);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (err) {
    throw new AppError('MODEL_NOT_FOUND', { message: `There is no file at ${abs}. Check the path and try again.`, cause: err });
  }
  if (stat.isDirectory()) throw new AppError('MODEL_NOT_A_FILE', { message: `${abs} is a folder, not a model file.` });

  const head = Buffer.alloc(8);
  const fh = await fs.open(abs, 'r');
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (stat.size < 8 || !head.subarray(0, 4).equals(GGUF_MAGIC)) {
    throw new AppError('MODEL_NOT_GGUF', {
      message: `${path.basename(abs)} is not a GGUF model (it does not start with the GGUF signature). Modest runs .gguf files.`,
    });
  }

  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(abs, { readTensorInfo: true, ignoreKeys: [], logWarnings: false });
  } catch (err) {
    const truncated = /end of file|out of range|offset|RangeError/i.test(String(err));
    throw new AppError(truncated ? 'MODEL_TRUNCATED' : 'MODEL_CORRUPT', {
      message: truncated
        ? `${path.basename(abs)} ends before its header does: the file is incomplete. Download it again.`
        : `${path.basename(abs)} has a damaged GGUF header and cannot be read.`,
      detail: String(err),
      cause: err,
    });
  }

  checkTensorBounds(info, stat.size, path.basename(abs));

  const architecture = String(info.metadata?.general?.architecture ?? 'unknown');
  if (!SUPPORTED_ARCHITECTURES.has(architecture)) {
    throw new AppError('MODEL_UNSUPPORTED_ARCH', {
      message: `${path.basename(abs)} uses the "${architecture}" architecture, which this version of llama.cpp does not support.`,
    });
  }

  const arch = info.architectureMetadata as { context_length?: number } | undefined;
  return {
    path: abs,
    sizeBytes: stat.size,
    info,
    architecture,
    name: String(info.metadata?.general?.name ?? path.basename(abs, '.gguf')),
    trainContextSize: typeof arch?.context_length === 'number' ? arch.context_length : undefined,
  };
}

function checkTensorBounds(info: GgufFileInfo, fileSize: number, name: string): void {
  const tensors = info.tensorInfo ?? [];
  let end = info.infoEndOffset ?? 0;
  for (const t of tensors) {
    const start = Number(t.fileOffset);
    const size = tensorByteSize(t.ggmlType, t.dimensions);
    end = Math.max(end, start + (size ?? 1));
  }
  if (end > fileSize) {
    const fmt = (n: number) => n.toLocaleString('en-US');
    throw new AppError('MODEL_TRUNCATED', {
      message: `${name} is incomplete: its tensors need ${fmt(end)} bytes but the file has ${fmt(fileSize)}. Download it again.`,
    });
  }
}
