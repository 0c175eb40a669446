/**
 * node-llama-cpp only warns when asked for more context than the model was trained for, and the
 * output degrades silently past that point. Modest clamps and says so, in words the UI shows.
 */
export function resolveContextSize(
  requested: number,
  trainContextSize: number | undefined,
): { size: number; note: string | null } {
  if (trainContextSize === undefined || trainContextSize <= 0) return { size: requested, note: null };
  if (requested <= trainContextSize) return { size: requested, note: null };
  const fmt = (n: number) => n.toLocaleString('en-US');
  return {
    size: trainContextSize,
    note: `Context clamped to ${fmt(trainContextSize)} tokens: this model was trained for ${fmt(trainContextSize)}, and ${fmt(requested)} were requested.`,
  };
}

/** The largest context Modest picks by itself: bigger ones slow every long prompt for rare gains. */
export const AUTO_CONTEXT_CAP = 8192;
const AUTO_CONTEXT_MIN = 512;

/**
 * Context size 0 ("fit automatically"): the largest power of two from the cap (or the trained
 * length, if smaller) down to 512 whose estimated memory fits in what is free, keeping a tenth
 * spare for everything else. Says so when memory, not the model, set the size.
 */
export async function chooseContextSize(
  trainContextSize: number | undefined,
  estimate: (contextSize: number) => Promise<number>,
  freeBytes: number,
): Promise<{ size: number; note: string | null }> {
  const cap = Math.min(AUTO_CONTEXT_CAP, trainContextSize && trainContextSize > 0 ? trainContextSize : AUTO_CONTEXT_CAP);
  const budget = freeBytes * 0.9;
  let size = cap;
  while (size > AUTO_CONTEXT_MIN && (await estimate(size)) > budget) size = Math.max(AUTO_CONTEXT_MIN, Math.floor(size / 2));
  if (size === cap) return { size, note: null };
  const fmt = (n: number) => n.toLocaleString('en-US');
  return {
    size,
    note: `Context set to ${fmt(size)} tokens so the model fits in the ${(freeBytes / 1024 ** 3).toFixed(1)} GiB of free memory (the model allows ${fmt(cap)}).`,
  };
}
