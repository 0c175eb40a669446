/**
 * The tiny-model maker: generated llama GGUF files with scripted ("bigram") weights, so tests run
 * real llama.cpp inference with known replies and chosen confidences, without downloading weights.
 */
export {
  describeTinyModel,
  makeBadModel,
  makeTinyModel,
  planTinyModel,
  TINY_MODEL_VARIANTS,
  TINY_MODEL_VERSION,
  type BadModelKind,
  type TinyModel,
  type TinyModelFork,
  type TinyModelOptions,
  type TinyModelVariant,
} from './make.js';
export {
  buildGgufHeader,
  fromFloat16Bits,
  GgmlType,
  gguf,
  GgufFileType,
  GgufValueType,
  tensorBytes,
  toFloat16Bits,
  writeGguf,
  type GgufFile,
  type GgufMetadataValue,
  type GgufTensor,
  type SparseRow,
  type TensorSource,
  type WriteGgufOptions,
  type WrittenGguf,
} from './gguf-writer.js';
export { buildVocab, CHATML_TEMPLATE, pieceText, spmTokenize, SPACE, TokenType, type Vocab, type VocabOptions } from './vocab.js';
