/** How deep data from outside may nest, checked on the JSON text before it is parsed. */

/**
 * Lists and maps nested deeper than this are refused: a million levels fit in a 2 MB body and
 * parse, but break `JSON.stringify` (and with it storing the execution they start, and every
 * listing that reads it back) and PostgreSQL's jsonb long before memory runs out.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN = new Set([91, 123]);
const CLOSE = new Set([93, 125]);

/**
 * The offset of the first `[` or `{` of a JSON text nested deeper than `max`; undefined when none
 * is. One pass over the text, strings skipped.
 *
 * @example tooDeep('[[1]]', 1) // 1
 */
export function tooDeep(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > max) return i;
    } else if (CLOSE.has(c)) depth--;
  }
  return undefined;
}
