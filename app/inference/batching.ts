import type { BatchItem, PrioritizedBatchItem } from 'node-llama-cpp';

/**
 * The context's batch plan. A prompt-lookup step asks for logits at many positions of one
 * sequence; decoded in the same llama.cpp batch as other sequences, the sampled tokens of some
 * sequences came out of the wrong rows (a reply skipped or repeated words; concurrent greedy
 * replies differed from sequential ones). So such a step gets a batch of its own, and everything
 * else is shared as node-llama-cpp's default ("maximumParallelism") shares it.
 */
export function batchPlan({ items, size }: { items: readonly BatchItem[]; size: number }): PrioritizedBatchItem[] {
  const multi = items.find((item) => outputs(item) > 1);
  if (multi && items.length > 1) return [{ item: multi, processAmount: Math.min(multi.tokens.length, size) }];
  return maximumParallelism(items, size);
}

function outputs(item: BatchItem): number {
  let n = 0;
  for (const l of item.logits) if (l) n++;
  return n;
}

/** node-llama-cpp's default strategy: an equal share each, then leftovers by priority. */
function maximumParallelism(items: readonly BatchItem[], size: number): PrioritizedBatchItem[] {
  let left = size;
  const share = Math.floor(left / items.length);
  const res: PrioritizedBatchItem[] = [];
  const clipped: PrioritizedBatchItem[] = [];
  for (const item of items) {
    const p = { item, processAmount: Math.min(item.tokens.length, left, share) };
    res.push(p);
    left -= p.processAmount;
    if (p.processAmount < item.tokens.length) clipped.push(p);
    if (left === 0) break;
  }
  clipped.sort((a, b) => b.item.evaluationPriority - a.item.evaluationPriority);
  for (const p of clipped) {
    if (left <= 0) break;
    const more = Math.min(p.item.tokens.length - p.processAmount, left);
    p.processAmount += more;
    left -= more;
  }
  return res;
}
