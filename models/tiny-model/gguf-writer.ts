import fs from 'node:fs/promises';

/**
 * A streaming GGUF v3 writer (little-endian). The header (metadata and tensor infos) is built in
 * memory; tensor data is produced row by row into a fixed-size chunk and written as it fills, so a
 * file of any size is written with bounded memory.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types, as numbered in the spec. */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** The ggml tensor types this writer can encode, with their ggml numbers. */
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** `general.file_type` values (llama_ftype) for the types above. */
export const GgufFileType = { ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_Q8_0: 7 } as const;

export type GgufMetadataValue =
  | { type: 'string'; value: string }
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'uint64'; value: bigint | number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: readonly number[] | Float32Array }
  | { type: 'int32[]'; value: readonly number[] | Int32Array };

/** Constructors for metadata values: `gguf.u32(2048)`, `gguf.str('llama')`, ... */
export const gguf = {
  str: (value: string): GgufMetadataValue => ({ type: 'string', value }),
  u32: (value: number): GgufMetadataValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufMetadataValue => ({ type: 'int32', value }),
  u64: (value: bigint | number): GgufMetadataValue => ({ type: 'uint64', value }),
  f32: (value: number): GgufMetadataValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufMetadataValue => ({ type: 'bool', value }),
  strs: (value: readonly string[]): GgufMetadataValue => ({ type: 'string[]', value }),
  f32s: (value: readonly number[] | Float32Array): GgufMetadataValue => ({ type: 'float32[]', value }),
  i32s: (value: readonly number[] | Int32Array): GgufMetadataValue => ({ type: 'int32[]', value }),
};

/** A row's non-zero entries as [column, value] pairs. */
export type SparseRow = readonly (readonly [number, number])[];

/** Where a tensor's values come from. Rows are `dims[0]` long; there are `product(dims[1..])` of them. */
export type TensorSource =
  | { kind: 'zeros' }
  | { kind: 'fill'; value: number }
  | { kind: 'dense'; values: Float32Array }
  /** Called once per row, in order; `undefined` or `[]` means an all-zero row. */
  | { kind: 'sparse'; row: (index: number) => SparseRow | undefined };

export interface GgufTensor {
  name: string;
  /** Fastest-varying first, as GGUF lists them: a [n_vocab, n_embd] matrix is [n_embd, n_vocab]. */
  dims: readonly number[];
  type: GgmlType;
  data: TensorSource;
}

export interface GgufFile {
  /** Written in this order. `general.alignment` is added if absent. */
  metadata: readonly (readonly [string, GgufMetadataValue])[];
  tensors: readonly GgufTensor[];
  alignment?: number;
}

export interface WriteGgufOptions {
  /** Bytes per write; default 8 MiB. */
  chunkBytes?: number;
  /** Stop after this many bytes (for making deliberately truncated files). */
  truncateAt?: number;
}

export interface WrittenGguf {
  path: string;
  sizeBytes: number;
  /** Absolute file offset where tensor data starts. */
  dataOffset: number;
  tensorOffsets: ReadonlyMap<string, { start: number; bytes: number }>;
}

const BLOCK_Q8_0 = 32;
const Q8_0_BLOCK_BYTES = 2 + BLOCK_Q8_0;

export function rowCount(dims: readonly number[]): number {
  return dims.slice(1).reduce((a, b) => a * b, 1);
}

/** Bytes of one row of `rowLength` values in `type`. */
export function rowBytes(type: GgmlType, rowLength: number): number {
  switch (type) {
    case GgmlType.F32:
      return rowLength * 4;
    case GgmlType.F16:
      return rowLength * 2;
    case GgmlType.Q8_0:
      if (rowLength % BLOCK_Q8_0 !== 0) throw new Error(`Q8_0 rows must be a multiple of ${BLOCK_Q8_0} long, got ${rowLength}`);
      return (rowLength / BLOCK_Q8_0) * Q8_0_BLOCK_BYTES;
  }
}

export function tensorBytes(t: Pick<GgufTensor, 'dims' | 'type'>): number {
  return rowBytes(t.type, t.dims[0] ?? 1) * rowCount(t.dims);
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

// ---- float16 ----

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary16 bits for `value`, rounding to nearest even (as ggml's FP32_TO_FP16). */
export function toFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// ---- row encoding ----

/** Encodes one dense row into `buf` at `offset`. */
function encodeDenseRow(type: GgmlType, row: Float32Array, buf: Buffer, offset: number): void {
  switch (type) {
    case GgmlType.F32:
      for (let i = 0; i < row.length; i++) buf.writeFloatLE(row[i]!, offset + i * 4);
      return;
    case GgmlType.F16:
      for (let i = 0; i < row.length; i++) buf.writeUInt16LE(toFloat16Bits(row[i]!), offset + i * 2);
      return;
    case GgmlType.Q8_0:
      for (let b = 0; b < row.length / BLOCK_Q8_0; b++) encodeQ8_0Block(row, b * BLOCK_Q8_0, buf, offset + b * Q8_0_BLOCK_BYTES);
      return;
  }
}

/** ggml's quantize_row_q8_0_ref for one block: d = amax/127 stored as f16, q = round(x/d). */
function encodeQ8_0Block(row: Float32Array, start: number, buf: Buffer, offset: number): void {
  let amax = 0;
  for (let j = 0; j < BLOCK_Q8_0; j++) amax = Math.max(amax, Math.abs(row[start + j]!));
  const d = amax / 127;
  const id = d !== 0 ? 1 / d : 0;
  buf.writeUInt16LE(toFloat16Bits(d), offset);
  for (let j = 0; j < BLOCK_Q8_0; j++) {
    const q = Math.round(row[start + j]! * id);
    buf.writeInt8(Math.max(-128, Math.min(127, q)), offset + 2 + j);
  }
}

/** Encodes a sparse row into a zero-filled region of `buf` (only the touched blocks are written). */
function encodeSparseRow(type: GgmlType, entries: SparseRow, rowLength: number, scratch: Float32Array, buf: Buffer, offset: number): void {
  if (type === GgmlType.Q8_0) {
    const blocks = new Set<number>();
    for (const [col, v] of entries) {
      if (col < 0 || col >= rowLength) throw new Error(`column ${col} out of range 0..${rowLength - 1}`);
      scratch[col] = v;
      blocks.add(Math.floor(col / BLOCK_Q8_0));
    }
    for (const b of blocks) encodeQ8_0Block(scratch, b * BLOCK_Q8_0, buf, offset + b * Q8_0_BLOCK_BYTES);
    for (const [col] of entries) scratch[col] = 0;
    return;
  }
  for (const [col, v] of entries) {
    if (col < 0 || col >= rowLength) throw new Error(`column ${col} out of range 0..${rowLength - 1}`);
    if (type === GgmlType.F32) buf.writeFloatLE(v, offset + col * 4);
    else buf.writeUInt16LE(toFloat16Bits(v), offset + col * 2);
  }
}

// ---- header ----

class ByteSink {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    this.push(b);
  }
  i32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n | 0);
    this.push(b);
  }
  u64(n: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function writeValue(sink: ByteSink, v: GgufMetadataValue): void {
  switch (v.type) {
    case 'string':
      sink.u32(GgufValueType.STRING);
      sink.str(v.value);
      return;
    case 'uint32':
      sink.u32(GgufValueType.UINT32);
      sink.u32(v.value);
      return;
    case 'int32':
      sink.u32(GgufValueType.INT32);
      sink.i32(v.value);
      return;
    case 'uint64':
      sink.u32(GgufValueType.UINT64);
      sink.u64(v.value);
      return;
    case 'float32':
      sink.u32(GgufValueType.FLOAT32);
      sink.f32(v.value);
      return;
    case 'bool':
      sink.u32(GgufValueType.BOOL);
      sink.push(Buffer.from([v.value ? 1 : 0]));
      return;
    case 'string[]':
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.STRING);
      sink.u64(v.value.length);
      for (const s of v.value) sink.str(s);
      return;
    case 'float32[]': {
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.FLOAT32);
      sink.u64(v.value.length);
      const b = Buffer.alloc(v.value.length * 4);
      for (let i = 0; i < v.value.length; i++) b.writeFloatLE(v.value[i]!, i * 4);
      sink.push(b);
      return;
    }
    case 'int32[]': {
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.INT32);
      sink.u64(v.value.length);
      const b = Buffer.alloc(v.value.length * 4);
      for (let i = 0; i < v.value.length; i++) b.writeInt32LE(v.value[i]!, i * 4);
      sink.push(b);
      return;
    }
  }
}

/** Lays out the file: the header bytes (padded to the alignment) and each tensor's data offset. */
export function buildGgufHeader(file: GgufFile): { header: Buffer; offsets: number[]; dataBytes: number; alignment: number } {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const metadata = [...file.metadata];
  if (!metadata.some(([k]) => k === 'general.alignment')) metadata.push(['general.alignment', gguf.u32(alignment)]);

  const names = new Set<string>();
  const offsets: number[] = [];
  let dataBytes = 0;
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4) throw new Error(`${t.name}: 1 to 4 dims, got ${t.dims.length}`);
    dataBytes = alignUp(dataBytes, alignment);
    offsets.push(dataBytes);
    dataBytes += tensorBytes(t);
  }

  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(file.tensors.length);
  sink.u64(metadata.length);
  for (const [key, value] of metadata) {
    sink.str(key);
    writeValue(sink, value);
  }
  file.tensors.forEach((t, i) => {
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type);
    sink.u64(offsets[i]!);
  });
  const pad = alignUp(sink.length, alignment) - sink.length;
  if (pad > 0) sink.push(Buffer.alloc(pad));
  return { header: sink.toBuffer(), offsets, dataBytes, alignment };
}

/** Writes `file` to `path`, streaming the tensor data in chunks. */
export async function writeGguf(path: string, file: GgufFile, opts: WriteGgufOptions = {}): Promise<WrittenGguf> {
  const chunkBytes = opts.chunkBytes ?? 8 * 1024 * 1024;
  const { header, offsets, dataBytes } = buildGgufHeader(file);
  const limit = opts.truncateAt ?? Infinity;
  const fh = await fs.open(path, 'w');
  let pos = 0;
  const write = async (buf: Buffer, length = buf.length) => {
    const n = Math.min(length, limit - pos);
    if (n <= 0) return;
    await fh.write(buf, 0, n, pos);
    pos += n;
  };
  const zeros = Buffer.alloc(chunkBytes);
  const writeZeros = async (n: number) => {
    while (n > 0 && pos < limit) {
      const k = Math.min(n, zeros.length);
      await write(zeros, k);
      n -= k;
    }
  };
  const tensorOffsets = new Map<string, { start: number; bytes: number }>();
  try {
    await write(header);
    const dataStart = header.length;
    for (let i = 0; i < file.tensors.length; i++) {
      const t = file.tensors[i]!;
      const start = dataStart + offsets[i]!;
      if (pos < limit) await writeZeros(start - pos); // alignment padding
      const bytes = tensorBytes(t);
      tensorOffsets.set(t.name, { start, bytes });
      await writeTensorData(t, bytes, chunkBytes, write, writeZeros, () => pos >= limit);
    }
    if (pos < limit) await writeZeros(dataStart + dataBytes - pos);
  } finally {
    await fh.close();
  }
  return { path, sizeBytes: pos, dataOffset: header.length, tensorOffsets };
}

async function writeTensorData(
  t: GgufTensor,
  bytes: number,
  chunkBytes: number,
  write: (b: Buffer, n?: number) => Promise<void>,
  writeZeros: (n: number) => Promise<void>,
  done: () => boolean,
): Promise<void> {
  const rowLength = t.dims[0] ?? 1;
  const rows = rowCount(t.dims);
  const rb = rowBytes(t.type, rowLength);
  const src = t.data;
  if (src.kind === 'zeros' || (src.kind === 'fill' && src.value === 0)) {
    await writeZeros(bytes);
    return;
  }
  if (src.kind === 'dense' && src.values.length !== rowLength * rows) {
    throw new Error(`${t.name}: ${src.values.length} values for ${rowLength * rows} elements`);
  }
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rb));
  const chunk = Buffer.alloc(rowsPerChunk * rb);
  const scratch = new Float32Array(rowLength);
  let fillRow: Buffer | undefined;
  if (src.kind === 'fill') {
    fillRow = Buffer.alloc(rb);
    encodeDenseRow(t.type, new Float32Array(rowLength).fill(src.value), fillRow, 0);
  }
  for (let r0 = 0; r0 < rows && !done(); r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, rows - r0);
    chunk.fill(0, 0, n * rb);
    for (let k = 0; k < n; k++) {
      const r = r0 + k;
      const off = k * rb;
      if (src.kind === 'fill') fillRow!.copy(chunk, off);
      else if (src.kind === 'dense') encodeDenseRow(t.type, src.values.subarray(r * rowLength, (r + 1) * rowLength), chunk, off);
      else if (src.kind === 'sparse') {
        const entries = src.row(r);
        if (entries && entries.length > 0) encodeSparseRow(t.type, entries, rowLength, scratch, chunk, off);
      }
    }
    await write(chunk, n * rb);
  }
}
