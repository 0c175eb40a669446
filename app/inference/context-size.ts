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
