// The lexer: monit's token rules. `#` comments, `, ; ( )` as whitespace, noise words dropped, case
// folded for keywords, numbers split from glued units (`80%`, `5MB`), and the free text of a
// `mail-format { … }` block kept raw. Includes are expanded on the token stream by the loader,
// exactly where they stand, as monit's lexer does.
import type { Diagnostic } from './diagnostics.js';
import type { SourcePos } from './model.js';

export type TokenType = 'word' | 'string' | 'number' | 'op' | '{' | '}' | 'block' | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The text as written (strings without their quotes, escapes resolved). */
  readonly text: string;
  /** Lower-cased text, for keyword comparison. */
  readonly lower: string;
  readonly pos: SourcePos;
  /** First token on its line: statements start there, which makes error recovery reliable. */
  readonly lineStart: boolean;
  /** Written directly after the previous token with no space between (`admin:"pw"`). */
  readonly glued: boolean;
  /** For strings: the quote character used. */
  readonly quote?: '"' | "'";
}

/** Words that monit's lexer ignores; they carry no meaning anywhere. */
export const NOISE_WORDS: ReadonlySet<string> = new Set(
  (
    'is as are for via on only with within without program programs and has using use the to sum ' +
    'than usage was times but of or does per in last rate capacity activity option options'
  ).split(' '),
);

const OPERATORS = ['>=', '<=', '==', '!=', '<>', '=', '>', '<'];
const SEPARATORS = new Set([' ', '\t', '\r', '\n', ',', ';', '(', ')', '\f', '\v']);
const WORD_STOP = new Set([...SEPARATORS, '{', '}', '"', "'", '=', '<', '>']);
const NUMBER = /^\d+(?:\.\d+)?$/;
const NUMBER_UNIT = /^(\d+(?:\.\d+)?)([a-zA-Z%]+)$/;

export interface LexResult {
  readonly tokens: Token[];
  readonly diagnostics: Diagnostic[];
}

/** Splits one file's text into tokens (without the final eof). */
export function lex(text: string, file: string): LexResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  // A byte-order mark (some editors write one) is not part of the first word.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineOffset = 0;
  let lastLine = 0;
  let lastEnd = -1;

  const pos = (at: number, ln = line, lo = lineOffset): SourcePos => ({ file, line: ln, col: at - lo + 1 });
  const push = (type: TokenType, txt: string, start: number, ln: number, lo: number, quote?: '"' | "'"): void => {
    const lower = type === 'word' ? txt.toLowerCase() : txt;
    // `check program` is one keyword in monit's lexer, and the name after `check TYPE` is never
    // noise (`check file last …`); everywhere else these words are dropped.
    const prev = tokens[tokens.length - 1];
    const prev2 = tokens[tokens.length - 2];
    const afterCheck =
      (lower === 'program' && prev?.type === 'word' && prev.lower === 'check') ||
      (prev2?.type === 'word' && prev2.lower === 'check' && prev?.type === 'word');
    if (type === 'word' && NOISE_WORDS.has(lower) && !afterCheck) {
      lastEnd = -1;
      return;
    }
    const tok: Token = {
      type,
      text: txt,
      lower,
      pos: pos(start, ln, lo),
      lineStart: ln !== lastLine,
      glued: start === lastEnd,
      ...(quote ? { quote } : {}),
    };
    tokens.push(tok);
    lastLine = ln;
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      i++;
      line++;
      lineOffset = i;
      continue;
    }
    if (SEPARATORS.has(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    // monit's lexer drops a backslash outside quotes: `\` at a line's end continues the statement.
    if (c === '\\') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      let closed = false;
      const [strLine, strOffset] = [line, lineOffset];
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '\\' && i + 1 < text.length && (text[i + 1] === c || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        if (d === '\n') {
          // monit lets a string run over lines (a long start program). A missing quote would then
          // swallow the lines after it, and their errors, up to the next quote of the file: so a
          // string runs on only if it closes before any line that starts a statement.
          if (!continuesOnNextLine(text, i, c)) break;
          line++;
          lineOffset = i + 1;
        }
        value += d;
        i++;
      }
      if (!closed) {
        value = value.replace(/\r$/, '');
        diagnostics.push({
          severity: 'error',
          pos: pos(start, strLine, strOffset),
          message: `unterminated string: missing closing ${c}`,
        });
      }
      push('string', value, start, strLine, strOffset, c);
      lastEnd = i;
      continue;
    }
    if (c === '{' || c === '}') {
      push(c, c, start, line, lineOffset);
      i++;
      lastEnd = i;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      push('op', op === '==' ? '=' : op === '<>' ? '!=' : op, start, line, lineOffset);
      i += op.length;
      lastEnd = i;
      continue;
    }
    while (i < text.length && !WORD_STOP.has(text[i] as string) && !(text[i] === '!' && text[i + 1] === '=')) i++;
    if (i === start) i++; // never stall on an unexpected character
    const word = text.slice(start, i);
    const unit = NUMBER_UNIT.exec(word);
    if (NUMBER.test(word)) {
      push('number', word, start, line, lineOffset);
    } else if (unit) {
      const n = unit[1] as string;
      push('number', n, start, line, lineOffset);
      lastEnd = start + n.length;
      push('word', unit[2] as string, start + n.length, line, lineOffset);
    } else {
      push('word', word, start, line, lineOffset);
      if (word.toLowerCase() === 'mail-format') {
        i = readBlock(
          text,
          i,
          file,
          tokens,
          diagnostics,
          () => ({ line, lineOffset }),
          (l, o) => {
            line = l;
            lineOffset = o;
          },
        );
      }
    }
    lastEnd = i;
  }
  return { tokens, diagnostics };
}

/** After `mail-format`, takes `{ … }` as one raw block token: its free text is not monit syntax. */
function readBlock(
  text: string,
  from: number,
  file: string,
  tokens: Token[],
  diagnostics: Diagnostic[],
  where: () => { line: number; lineOffset: number },
  move: (line: number, lineOffset: number) => void,
): number {
  let i = from;
  let { line, lineOffset } = where();
  while (i < text.length && /\s/.test(text[i] as string)) {
    if (text[i] === '\n') {
      line++;
      lineOffset = i + 1;
    }
    i++;
  }
  if (text[i] !== '{') return from;
  const start = i;
  const startLine = line;
  const startOffset = lineOffset;
  const end = text.indexOf('}', i + 1);
  const stop = end < 0 ? text.length : end;
  for (let k = i; k < stop; k++) {
    if (text[k] === '\n') {
      line++;
      lineOffset = k + 1;
    }
  }
  const pos = { file, line: startLine, col: start - startOffset + 1 };
  if (end < 0) diagnostics.push({ severity: 'error', pos, message: "unterminated mail-format block: missing '}'" });
  tokens.push({ type: 'block', text: text.slice(i + 1, stop), lower: '', pos, lineStart: false, glued: false });
  move(line, lineOffset);
  return end < 0 ? text.length : end + 1;
}

/** Lines that start a statement: a string never runs on across one of them. */
const STATEMENT_START =
  /^\s*(?:check|set|if|include|else|start|stop|restart|depends|group|alert|noalert|every|mode)\b/i;

/** Whether the string open at the newline `nl` closes (with `quote`) before a line that starts a statement. */
function continuesOnNextLine(text: string, nl: number, quote: string): boolean {
  let k = nl + 1;
  while (k < text.length) {
    const eol = text.indexOf('\n', k);
    const lineText = text.slice(k, eol < 0 ? text.length : eol);
    if (STATEMENT_START.test(lineText)) return false;
    for (let j = 0; j < lineText.length; j++) {
      if (lineText[j] === '\\') j++;
      else if (lineText[j] === quote) return true;
    }
    if (eol < 0) return false;
    k = eol + 1;
  }
  return false;
}

/** Splits a command string into argv like monit: on whitespace, single-quoted parts stay whole. */
export function splitCommand(command: string): string[] {
  const argv: string[] = [];
  let cur = '';
  let inArg = false;
  let quoted = false;
  for (const ch of command) {
    if (ch === "'") {
      quoted = !quoted;
      inArg = true;
      continue;
    }
    if (!quoted && /\s/.test(ch)) {
      if (inArg) argv.push(cur);
      cur = '';
      inArg = false;
      continue;
    }
    cur += ch;
    inArg = true;
  }
  if (inArg) argv.push(cur);
  return argv;
}
