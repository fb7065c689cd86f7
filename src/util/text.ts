// Making text that came from outside (a rules file, a program's output, a peer) safe to put in a
// message: on a terminal a raw ESC starts an escape sequence and a raw line break forges a second log
// or error line, and a 1 MB word makes a 1 MB line.

/** C0 controls but tab, DEL and the C1 controls: what a terminal may act on. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\u000b': '\\v', '\f': '\\f' };

/** `text` with every control character but those in `keep` written as an escape: `\n`, `\r`, `\x1b`. */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROL, (ch) =>
    keep.includes(ch) ? ch : (NAMED[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`),
  );
}

/** Words (runs without blanks) longer than this are cut in messages. */
export const LONG_WORD = 120;
/** What is kept of a cut word. */
export const KEPT_OF_LONG_WORD = 80;
/** A path (a word that starts with `/` and holds no quote) is cut only past this: the kernel's PATH_MAX. */
const LONG_PATH = 4096;

/**
 * `text` fit for one line of a message: control characters escaped and every run of non-blank
 * characters over LONG_WORD (a path: over LONG_PATH) cut to its first KEPT_OF_LONG_WORD and `…` (a
 * closing quote is kept, with the punctuation after it).
 */
export function messageSafe(text: string): string {
  const escaped = escapeControls(text);
  if (!hasLongWord(escaped)) return escaped;
  return escaped.replace(WORD, (word) => {
    if (word.length <= LONG_WORD || (word.length <= LONG_PATH && /^\/[^'"]*$/.test(word))) return word;
    const close = /['"][^'"\w]{0,2}$/.exec(word)?.[0] ?? '';
    return `${word.slice(0, KEPT_OF_LONG_WORD)}…${close}`;
  });
}

const WORD = /\S+/g;
const BLANK = /\s/;

/**
 * Whether `text` has a run of non-blank characters longer than LONG_WORD, in one pass: a rules file
 * with 100,000 errors formats 200,000 messages, and the regular expression `\S{121,}` tried a
 * 121-character match at every position of each.
 */
function hasLongWord(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const blank = c === 32 || (c >= 9 && c <= 13) || (c > 127 && BLANK.test(text.charAt(i)));
    run = blank ? 0 : run + 1;
    if (run > LONG_WORD) return true;
  }
  return false;
}
