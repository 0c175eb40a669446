import { AppError } from '../contract/index.js';

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * The overflow policy, stated once: the system prompt and the newest user message always stay;
 * the oldest turns go first, a whole exchange at a time so the history still starts with a user
 * turn. node-llama-cpp's own context shift would instead silently drop the beginning, system
 * prompt included.
 *
 * `countTokens` measures the prompt as the model will see it (template included).
 */
export function fitHistory(
  turns: readonly Turn[],
  countTokens: (turns: readonly Turn[]) => number,
  budget: number,
): { turns: Turn[]; dropped: number; tokens: number } {
  let start = 0;
  for (;;) {
    const kept = turns.slice(start);
    const tokens = countTokens(kept);
    if (tokens <= budget) return { turns: kept, dropped: start, tokens };
    const next = nextUserTurn(turns, start + 1);
    if (next === -1 || next >= turns.length) {
      throw new AppError('PROMPT_TOO_LONG', {
        message: `This message needs ${tokens.toLocaleString('en-US')} tokens, but the model can read at most ${budget.toLocaleString('en-US')} at once (the rest of its context is kept for the reply). Shorten it, or raise the context size in Settings.`,
        // Machine-readable for the router, which may send such a prompt to the cloud instead.
        detail: `tokens=${tokens} budget=${budget}`,
      });
    }
    start = next;
  }
}

function nextUserTurn(turns: readonly Turn[], from: number): number {
  for (let i = from; i < turns.length; i++) if (turns[i]?.role === 'user') return i;
  return -1;
}

/** Room kept free for the reply when fitting the prompt: at most a quarter of the context. */
export function replyReserve(contextSize: number, maxReplyTokens: number): number {
  return Math.max(1, Math.min(maxReplyTokens, Math.floor(contextSize / 4)));
}
