/**
 * Where a JSON text first goes wrong, as an offset (or -1 if it is valid). JSON.parse in Node 20
 * does not always say where, and a person fixing a file needs the line. Run only after
 * JSON.parse failed; iterative, so deep nesting cannot overflow the stack.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const stack: ('array' | 'object')[] = [];
  const space = () => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const string = (): boolean => {
    i++;
    for (;;) {
      const c = s[i];
      if (c === undefined || c < ' ') return false;
      i++;
      if (c === '"') return true;
      if (c === '\\') {
        const e = s[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) return false;
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else return false;
      }
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    space();
    if (state === 'value') {
      const c = s[i];
      if (c === '{' || c === '[') {
        i++;
        space();
        if (s[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c === '{' ? 'object' : 'array');
          state = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        if (!string()) return i;
        state = 'after';
      } else {
        const literal = ['true', 'false', 'null'].find((w) => s.startsWith(w, i));
        if (literal) i += literal.length;
        else {
          NUMBER.lastIndex = i;
          if (!NUMBER.test(s)) return i;
          i = NUMBER.lastIndex;
        }
        state = 'after';
      }
    } else if (state === 'key') {
      if (s[i] !== '"' || !string()) return i;
      space();
      if (s[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i < s.length ? i : -1;
      if (s[i] === ',') {
        i++;
        state = top === 'object' ? 'key' : 'value';
      } else if (s[i] === (top === 'object' ? '}' : ']')) {
        i++;
        stack.pop();
      } else {
        return i;
      }
    }
  }
}
