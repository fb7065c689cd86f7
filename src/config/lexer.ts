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
const WORD_STOP = new Set([...SEPARATORS, '{', '}', '"', "'"]);
/** Characters that start an operator; inside a word they may belong to it (see #operatorEndsWord). */
const OPERATOR_CHARS = new Set(['=', '<', '>', '!']);
/**
 * Keywords after which monit takes any word, operator characters included: base64 passwords
 * (`password dGVzdA==`, `allow admin:dGVzdA==`), placeholders (`PASSWORD <password>`).
 */
const RAW_VALUE_AFTER: ReadonlySet<string> = new Set(['password', 'allow', 'username']);
/** A word that operators may follow when glued to it (`cpu>80%`, `i!=9`): letters only, or a number. */
const OPERAND_WORD = /^(?:[a-z_-]+|\d[\d.]*[a-z%]*)$/i;
const NUMBER = /^\d+(?:\.\d+)?$/;
const NUMBER_UNIT = /^(\d+(?:\.\d+)?)([a-zA-Z%]+)$/;

export interface LexResult {
  readonly tokens: Token[];
  readonly diagnostics: Diagnostic[];
  /** Where the text went on after `maxTokens` tokens had been read (it was not read further). */
  readonly cut?: SourcePos;
}

/** Splits one file's text into tokens (without the final eof), at most about `maxTokens` of them. */
export function lex(text: string, file: string, maxTokens = Infinity): LexResult {
  const scanner = new Scanner(text, file);
  while (!scanner.done() && scanner.tokens.length < maxTokens) scanner.step();
  const cut = scanner.rest();
  return { tokens: scanner.tokens, diagnostics: scanner.diagnostics, ...(cut ? { cut } : {}) };
}

/** One pass over one file: where it stands, and the tokens and errors so far. */
class Scanner {
  readonly tokens: Token[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly #text: string;
  readonly #file: string;
  #i: number;
  #line = 1;
  /** Where the current line starts in the text, for columns. */
  #lineOffset = 0;
  /** The line of the last token kept, for `lineStart`. */
  #lastLine = 0;
  /** Where the last token ended, for `glued`. */
  #lastEnd = -1;

  constructor(text: string, file: string) {
    this.#text = text;
    this.#file = file;
    // A byte-order mark (some editors write one) is not part of the first word.
    this.#i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  done(): boolean {
    return this.#i >= this.#text.length;
  }

  /** Where a token would start next, past space and comments; undefined at the end of the text. */
  rest(): SourcePos | undefined {
    while (!this.done() && this.#skipSpace(this.#text[this.#i] as string));
    return this.done() ? undefined : this.#pos(this.#i);
  }

  /** Reads what starts here: space or a comment, a string, a brace, an operator or a word. */
  step(): void {
    const c = this.#text[this.#i] as string;
    if (this.#skipSpace(c)) return;
    const start = this.#i;
    if (c === '"' || c === "'") {
      this.#readString(c);
    } else if (c === '{' || c === '}') {
      this.#push(c, c, start);
      this.#i++;
    } else {
      const op = this.#rawValueNext() ? undefined : OPERATORS.find((o) => this.#text.startsWith(o, this.#i));
      if (op) {
        this.#push('op', op === '==' ? '=' : op === '<>' ? '!=' : op, start);
        this.#i += op.length;
      } else {
        this.#readWord();
      }
    }
    this.#lastEnd = this.#i;
  }

  /** Steps over a newline, a separator, a comment or a backslash; false if `c` starts a token. */
  #skipSpace(c: string): boolean {
    if (c === '\n') {
      this.#i++;
      this.#line++;
      this.#lineOffset = this.#i;
    } else if (c === '#') {
      while (this.#i < this.#text.length && this.#text[this.#i] !== '\n') this.#i++;
    } else if (SEPARATORS.has(c) || c === '\\') {
      // monit's lexer drops a backslash outside quotes: `\` at a line's end continues the statement.
      this.#i++;
    } else {
      return false;
    }
    return true;
  }

  #readString(quote: '"' | "'"): void {
    const text = this.#text;
    const start = this.#i;
    const [strLine, strOffset] = [this.#line, this.#lineOffset];
    let value = '';
    let closed = false;
    this.#i++;
    while (this.#i < text.length) {
      const d = text[this.#i] as string;
      if (d === '\\' && this.#i + 1 < text.length && (text[this.#i + 1] === quote || text[this.#i + 1] === '\\')) {
        value += text[this.#i + 1];
        this.#i += 2;
        continue;
      }
      if (d === quote) {
        closed = true;
        this.#i++;
        break;
      }
      if (d === '\n') {
        // monit lets a string run over lines (a long start program). A missing quote would then
        // swallow the lines after it, and their errors, up to the next quote of the file: so a
        // string runs on only if it closes before any line that starts a statement.
        if (!continuesOnNextLine(text, this.#i, quote)) break;
        this.#line++;
        this.#lineOffset = this.#i + 1;
      }
      value += d;
      this.#i++;
    }
    if (!closed) {
      value = value.replace(/\r$/, '');
      this.diagnostics.push({
        severity: 'error',
        pos: this.#pos(start, strLine, strOffset),
        message: `unterminated string: missing closing ${quote}`,
      });
    }
    this.#push('string', value, start, strLine, strOffset, quote);
  }

  /** A word, a number, or a number glued to its unit (`5MB`), which makes two tokens. */
  #readWord(): void {
    const text = this.#text;
    const start = this.#i;
    const raw = this.#rawValueNext();
    while (this.#i < text.length && !WORD_STOP.has(text[this.#i] as string)) {
      if (!raw && OPERATOR_CHARS.has(text[this.#i] as string) && this.#operatorEndsWord(start)) break;
      this.#i++;
    }
    if (this.#i === start) this.#i++; // never stall on an unexpected character
    const word = text.slice(start, this.#i);
    const unit = NUMBER_UNIT.exec(word);
    if (NUMBER.test(word)) {
      this.#push('number', word, start);
    } else if (unit) {
      const n = unit[1] as string;
      this.#push('number', n, start);
      this.#lastEnd = start + n.length;
      this.#push('word', unit[2] as string, start + n.length);
    } else {
      this.#push('word', word, start);
      if (word.toLowerCase() === 'mail-format') this.#readBlock();
    }
  }

  /**
   * Whether the word here is a value that keeps `<`, `=` and `>` (monit's lexer reads a word up to a
   * blank, so `password s3cr>t` is one word there): after a keyword that takes any word, unless an
   * operator stands alone (`password = x`).
   */
  #rawValueNext(): boolean {
    const prev = this.tokens[this.tokens.length - 1];
    if (prev?.type !== 'word' || !RAW_VALUE_AFTER.has(prev.lower) || prev.pos.line !== this.#line) return false;
    const op = OPERATORS.find((o) => this.#text.startsWith(o, this.#i));
    const after = this.#text[this.#i + (op?.length ?? 0)];
    return !op || (after !== undefined && !SEPARATORS.has(after));
  }

  /**
   * At an operator character inside the word that began at `start`: whether it ends the word. An
   * operator glued to a keyword or a number is one (`cpu>80%`, `i!=9`); in any other word (a path,
   * an address, `s3cr>t`) the character is part of it, as in monit, unless it ends the word. A
   * lone `!` never ends a word.
   */
  #operatorEndsWord(start: number): boolean {
    const text = this.#text;
    const ch = text[this.#i];
    if (ch === '!' && text[this.#i + 1] !== '=') return false;
    let end = this.#i;
    while (end < text.length && OPERATOR_CHARS.has(text[end] as string)) end++;
    // Operators closing a word are not part of it: `<john@example.com>` is an address in brackets.
    const closing = end >= text.length || WORD_STOP.has(text[end] as string);
    return this.#i === start || closing || OPERAND_WORD.test(text.slice(start, this.#i));
  }

  /** After `mail-format`, takes `{ … }` as one raw block token: its free text is not monit syntax. */
  #readBlock(): void {
    const text = this.#text;
    let i = this.#i;
    let line = this.#line;
    let lineOffset = this.#lineOffset;
    while (i < text.length && /\s/.test(text[i] as string)) {
      if (text[i] === '\n') {
        line++;
        lineOffset = i + 1;
      }
      i++;
    }
    if (text[i] !== '{') return;
    const pos = this.#pos(i, line, lineOffset);
    const end = text.indexOf('}', i + 1);
    const stop = end < 0 ? text.length : end;
    for (let k = i; k < stop; k++) {
      if (text[k] === '\n') {
        line++;
        lineOffset = k + 1;
      }
    }
    if (end < 0)
      this.diagnostics.push({ severity: 'error', pos, message: "unterminated mail-format block: missing '}'" });
    this.tokens.push({ type: 'block', text: text.slice(i + 1, stop), lower: '', pos, lineStart: false, glued: false });
    this.#line = line;
    this.#lineOffset = lineOffset;
    this.#i = end < 0 ? text.length : end + 1;
  }

  #pos(at: number, line = this.#line, lineOffset = this.#lineOffset): SourcePos {
    return { file: this.#file, line, col: at - lineOffset + 1 };
  }

  /** Adds a token, unless it is a noise word. */
  #push(
    type: TokenType,
    text: string,
    start: number,
    line = this.#line,
    lineOffset = this.#lineOffset,
    quote?: '"' | "'",
  ): void {
    const lower = type === 'word' ? text.toLowerCase() : text;
    // `check program` is one keyword in monit's lexer, and the name after `check TYPE` is never
    // noise (`check file last …`); everywhere else these words are dropped.
    const prev = this.tokens[this.tokens.length - 1];
    const prev2 = this.tokens[this.tokens.length - 2];
    const afterCheck =
      (lower === 'program' && prev?.type === 'word' && prev.lower === 'check') ||
      (prev2?.type === 'word' && prev2.lower === 'check' && prev?.type === 'word');
    if (type === 'word' && NOISE_WORDS.has(lower) && !afterCheck) {
      this.#lastEnd = -1;
      return;
    }
    this.tokens.push({
      type,
      text,
      lower,
      pos: this.#pos(start, line, lineOffset),
      lineStart: line !== this.#lastLine,
      glued: start === this.#lastEnd,
      ...(quote ? { quote } : {}),
    });
    this.#lastLine = line;
  }
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
