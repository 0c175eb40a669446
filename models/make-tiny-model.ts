/**
 * Writes a generated test model.
 *   npx tsx models/make-tiny-model.ts --variant confident --out /tmp/x.gguf [--context-length 4096]
 *   npx tsx models/make-tiny-model.ts --bad truncated --out-dir /tmp/bad
 */
import { parseArgs } from 'node:util';
import { makeBadModel, makeTinyModel, TINY_MODEL_VARIANTS, type BadModelKind, type TinyModelVariant } from './tiny-model/index.js';

const BAD_KINDS: readonly BadModelKind[] = ['not-gguf', 'truncated', 'unsupported-arch', 'empty'];

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'confident' },
    out: { type: 'string' },
    'context-length': { type: 'string' },
    bad: { type: 'string' },
    'out-dir': { type: 'string', default: '.' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`usage: make-tiny-model --variant <${TINY_MODEL_VARIANTS.join('|')}> [--out file.gguf] [--context-length N]
       make-tiny-model --bad <${BAD_KINDS.join('|')}> [--out-dir dir]`);
  process.exit(0);
}

if (values.bad !== undefined) {
  if (!BAD_KINDS.includes(values.bad as BadModelKind)) throw new Error(`--bad must be one of ${BAD_KINDS.join(', ')}`);
  console.log(await makeBadModel(values.bad as BadModelKind, values['out-dir']));
} else {
  if (!TINY_MODEL_VARIANTS.includes(values.variant as TinyModelVariant)) throw new Error(`--variant must be one of ${TINY_MODEL_VARIANTS.join(', ')}`);
  const t0 = performance.now();
  const model = await makeTinyModel({
    variant: values.variant as TinyModelVariant,
    out: values.out,
    contextLength: values['context-length'] !== undefined ? Number(values['context-length']) : undefined,
  });
  console.log(JSON.stringify({ ...model, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) }, null, 2));
}
