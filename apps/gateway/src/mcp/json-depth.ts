/**
 * The deepest nesting a request body may have. Deeper JSON is valid but refused: every later step
 * (validation, sanitization, `JSON.stringify` towards the upstream or into the audit log) walks it
 * recursively, and 10,000 levels overflow the stack; MCP messages need a few dozen at most.
 */
export const MAX_JSON_DEPTH = 100;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether the JSON text in `body` nests objects and arrays deeper than `max` (brackets inside
 * strings do not count). One pass over the bytes, before the text is parsed; for text that is not
 * JSON the answer is meaningless, and the parser refuses it anyway. `body` may come in chunks
 * (an upstream's answer as it arrived): they are read as one text.
 */
export function nestsDeeperThan(body: Uint8Array | readonly Uint8Array[], max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  /** The chunk before ended inside a string with a backslash: the first byte of this one is escaped. */
  let escaped = false;
  for (const chunk of body instanceof Uint8Array ? [body] : body) {
    if (chunk.length === 0) continue; // an escape carried over waits for the next byte
    let i = escaped ? 1 : 0;
    escaped = false;
    // Inside a string only a quote or a backslash matters: found with indexOf (native), which
    // keeps the scan of a text-heavy body cheap. Each is searched for again only once passed.
    let quote = -1;
    let backslash = -1;
    while (i < chunk.length) {
      if (inString) {
        if (quote < i) quote = indexIn(chunk, QUOTE, i);
        if (backslash < i) backslash = indexIn(chunk, BACKSLASH, i);
        if (backslash < quote) {
          i = backslash + 2;
          if (i > chunk.length) escaped = true;
        } else if (quote === chunk.length) {
          break;
        } else {
          inString = false;
          i = quote + 1;
        }
        continue;
      }
      const byte = chunk[i];
      i += 1;
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        depth += 1;
        if (depth > max) return true;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
    }
  }
  return false;
}

/** Where `byte` is next in `chunk` from `from`, or the chunk's length when it is not. */
function indexIn(chunk: Uint8Array, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}

/** Whether a parsed value nests objects and arrays deeper than `max` (iterative: any depth is safe). */
export function valueNestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
