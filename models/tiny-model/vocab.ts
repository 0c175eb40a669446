/**
 * A small SentencePiece-style vocabulary for llama.cpp's "llama" (SPM) tokenizer, and a TypeScript
 * copy of llama.cpp's SPM tokenization so the generator knows which tokens a reply is made of.
 */

/** SentencePiece's visible space. */
export const SPACE = '\u2581';

/** llama.cpp token types (`tokenizer.ggml.token_type`). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A few hundred common English words; each enters the vocabulary with all its sub-pieces. */
export const COMMON_WORDS: readonly string[] = `
the of and to in is it you that he was for on are with as his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two
has look more day could go come did number sound no most people my over know water than call first who
may down side been now find any new work part take get place made live where after back little only
round man year came show every good me give our under name very through just form sentence great think
say help low line differ turn cause much mean before move right boy old too same tell does set three
want air well also play small end put home read hand port large spell add even land here must big high
such follow act why ask men change went light kind off need house picture try us again animal point
mother world near build self earth father head stand own page should country found answer school grow
study still learn plant cover food sun four between state keep eye never last let thought city tree
cross farm hard start might story saw far sea draw left late run while press close night real life few
north open seem together next white children begin got walk example ease paper group always music those
both mark often letter until mile river car feet care second book carry took science eat room friend
began idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl
usual young ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half rock order
fire south problem piece told knew pass since top whole king space heard best hour better true during
hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
less morning ten simple several vowel toward war lay against pattern slow center love person money serve
appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry
dark machine note wait plan figure star box noun field rest correct able pound done beauty drive stood
contain front teach week final gave green oh quick develop ocean warm free minute strong special mind
behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object
decide surface deep moon island foot system busy test record boat common gold possible plane stead dry
wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant
fill east paint language among hello thanks please sorry okay chat message model tiny running locally
assistant user system seven eight nine reply hi am i
`
  .split(/\s+/)
  .filter((w) => w !== '');

export const PUNCTUATION: readonly string[] = ['.', ',', '!', '?', ':', ';', "'", '"', '-', '(', ')', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
  /** piece text -> id, for every non-byte token */
  ids: Map<string, number>;
  unkId: number;
  bosId: number;
  eosId: number;
  imStartId: number;
  imEndId: number;
  /** id of the byte token `<0xXX>` */
  byteId(byte: number): number;
}

export interface VocabOptions {
  /** Extra words (without the leading space) to include with their sub-pieces. */
  words?: readonly string[];
  /** Pad with harmless `▁padNNNNN` pieces up to this many tokens. */
  padTo?: number;
}

const capitalize = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/**
 * Special tokens, 256 byte tokens, ChatML tokens, then word pieces. Every word enters as `▁word`,
 * `▁Word` and every sub-string of those (so SPM merges always reach the whole word: any two
 * neighbouring symbols inside a word concatenate to a piece in the vocabulary). Scores grow with
 * length, so whole words win.
 */
export function buildVocab(opts: VocabOptions = {}): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const ids = new Map<string, number>();
  const add = (text: string, type: number, score: number) => {
    if (ids.has(text)) return;
    ids.set(text, tokens.length);
    tokens.push(text);
    scores.push(score);
    types.push(type);
  };
  add(UNK, TokenType.UNKNOWN, 0);
  add(BOS, TokenType.CONTROL, 0);
  add(EOS, TokenType.CONTROL, 0);
  const firstByte = tokens.length;
  for (let b = 0; b < 256; b++) {
    const t = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    tokens.push(t);
    scores.push(0);
    types.push(TokenType.BYTE);
  }
  add(IM_START, TokenType.CONTROL, 0);
  add(IM_END, TokenType.CONTROL, 0);

  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const pieces = new Set<string>([SPACE, ...PUNCTUATION, ...letters, ...letters.toUpperCase()]);
  const words = [...COMMON_WORDS, ...(opts.words ?? [])];
  for (const w of words) {
    for (const form of [SPACE + w, SPACE + capitalize(w)]) {
      const chars = [...form];
      for (let i = 0; i < chars.length; i++) for (let j = i + 1; j <= chars.length; j++) pieces.add(chars.slice(i, j).join(''));
    }
  }
  // Shorter pieces first (like a real vocabulary's frequent pieces), then alphabetically.
  const sorted = [...pieces].sort((a, b) => [...a].length - [...b].length || (a < b ? -1 : a > b ? 1 : 0));
  for (const p of sorted) add(p, TokenType.NORMAL, [...p].length);

  if (opts.padTo !== undefined) {
    if (opts.padTo < tokens.length) throw new Error(`padTo ${opts.padTo} is below the base vocabulary size ${tokens.length}`);
    for (let i = tokens.length; i < opts.padTo; i++) add(`${SPACE}pad${i}`, TokenType.NORMAL, -1000);
  }

  return {
    tokens,
    scores,
    types,
    ids,
    unkId: ids.get(UNK)!,
    bosId: ids.get(BOS)!,
    eosId: ids.get(EOS)!,
    imStartId: ids.get(IM_START)!,
    imEndId: ids.get(IM_END)!,
    byteId: (byte: number) => firstByte + byte,
  };
}

interface Sym {
  text: string;
  prev: number;
  next: number;
  /** 0 once merged into its left neighbour */
  alive: boolean;
}

/**
 * llama.cpp's SPM tokenization of one raw-text fragment (llm_tokenizer_spm): spaces become `▁`,
 * an optional leading space is added, neighbouring symbols merge best-score-first (leftmost on
 * ties), and symbols with no piece fall back to byte tokens. Special tokens are not parsed.
 */
export function spmTokenize(vocab: Vocab, text: string, opts: { addSpacePrefix?: boolean } = {}): number[] {
  let s = opts.addSpacePrefix ? ' ' + text : text;
  s = s.replaceAll(' ', SPACE);
  if (s === '') return [];
  const syms: Sym[] = [...s].map((c, i, all) => ({ text: c, prev: i - 1, next: i + 1 < all.length ? i + 1 : -1, alive: true }));
  interface Bigram {
    left: number;
    right: number;
    score: number;
    text: string;
  }
  const queue: Bigram[] = [];
  const tryAdd = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const text = syms[left]!.text + syms[right]!.text;
    const id = vocab.ids.get(text);
    if (id === undefined || vocab.types[id] !== TokenType.NORMAL) return;
    queue.push({ left, right, score: vocab.scores[id]!, text });
  };
  for (let i = 1; i < syms.length; i++) tryAdd(i - 1, i);
  while (queue.length > 0) {
    // highest score, then leftmost
    let best = 0;
    for (let i = 1; i < queue.length; i++) {
      const a = queue[i]!;
      const b = queue[best]!;
      if (a.score > b.score || (a.score === b.score && a.left < b.left)) best = i;
    }
    const bg = queue.splice(best, 1)[0]!;
    const l = syms[bg.left]!;
    const r = syms[bg.right]!;
    if (!l.alive || !r.alive || l.text + r.text !== bg.text) continue; // stale
    l.text = bg.text;
    r.alive = false;
    l.next = r.next;
    if (r.next >= 0) syms[r.next]!.prev = bg.left;
    tryAdd(l.prev, bg.left);
    tryAdd(bg.left, l.next);
  }
  const out: number[] = [];
  for (let i = 0; i !== -1 && i < syms.length; i = syms[i]!.next) {
    const sym = syms[i]!;
    const id = vocab.ids.get(sym.text);
    if (id !== undefined) out.push(id);
    else for (const byte of Buffer.from(sym.text, 'utf8')) out.push(vocab.byteId(byte));
  }
  return out;
}

/** The text a token stands for (`▁` as a space; byte tokens as their byte, for ASCII). */
export function pieceText(vocab: Vocab, id: number): string {
  const t = vocab.tokens[id]!;
  if (vocab.types[id] === TokenType.BYTE) return String.fromCharCode(parseInt(t.slice(3, 5), 16));
  return t.replaceAll(SPACE, ' ');
}
