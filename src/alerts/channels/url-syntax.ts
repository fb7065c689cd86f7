// Grammar helpers for the channels whose target is a URL (webhook, mqtt).
import type { Cursor } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';

/** decodeURIComponent, with a malformed escape (`%zz`, which URL lets through) as an error, not a throw. */
export function decode(c: Cursor, tok: Token, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    c.fail(tok, `malformed %-escape in "${tok.text}"`);
  }
}

/** TOK as a URL of one of PROTOCOLS (`http:`), or an error at TOK. */
export function checkUrl(c: Cursor, tok: Token, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(tok.text);
  } catch {
    c.fail(tok, `"${tok.text}" is not a valid URL`);
  }
  if (!protocols.includes(url.protocol))
    c.fail(tok, `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL, found "${tok.text}"`);
  return url;
}
