// A cursor over the token stream with the small vocabulary the parser speaks in: peek, accept,
// expect, and errors that name the token found and what was expected.
import type { Diagnostic } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { SourcePos } from './model.js';
import type { EnvRef } from './environment.js';
import type { SslOptions } from './parse-ssl.js';

const STATEMENT_WORDS: ReadonlySet<string> = new Set(['set', 'check', 'if']);

/** True where a top-level statement can begin: the parser resynchronises there after an error. */
export function atTopStatement(t: Token): boolean {
  return t.type === 'eof' || (t.lineStart && t.type === 'word' && (t.lower === 'set' || t.lower === 'check'));
}

/** Unwinds one statement after its error was recorded; the parser then resynchronises. */
export class ParseAbort extends Error {}

/** How a token is named in a message: `'word'`, `"string"`, or `end of file`. */
export function describe(tok: Token): string {
  switch (tok.type) {
    case 'eof':
      return 'end of file';
    case 'string':
      return `"${tok.text}"`;
    case 'block':
      return 'a { … } block';
    default:
      return `'${tok.text}'`;
  }
}

export class Cursor {
  private i = 0;
  /** `set ssl { … }` of the whole file (found before parsing: monit applies it wherever it stands). */
  globalSsl: SslOptions | undefined;
  /** Programs, users, groups and files the rules name, for `-t`'s look at this machine. */
  readonly refs: EnvRef[] = [];
  /** The service being read (its diagnostics name it); undefined outside a `check`. */
  service: string | undefined;
  constructor(
    private readonly tokens: readonly Token[],
    readonly diagnostics: Diagnostic[],
  ) {}

  peek(k = 0): Token {
    const t = this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
    if (!t) throw new Error('token stream must end with eof');
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }

  get atEnd(): boolean {
    return this.peek().type === 'eof';
  }

  /** True when the next token is one of these keywords (lower-case words). */
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t.type === 'word' && words.includes(t.lower);
  }

  acceptWord(...words: string[]): Token | undefined {
    return this.isWord(...words) ? this.next() : undefined;
  }

  expectWord(expected: string, ...words: string[]): Token {
    const t = this.acceptWord(...words);
    if (!t) this.fail(this.peek(), `expected ${expected}, found ${describe(this.peek())}`);
    return t;
  }

  acceptOp(): Token | undefined {
    return this.peek().type === 'op' ? this.next() : undefined;
  }

  /** A word or a string: names, paths, addresses. */
  expectValue(expected: string): Token {
    const t = this.peek();
    // `set`, `check` or `if` opening a line starts the next statement: the value is missing.
    const nextStatement = t.type === 'word' && t.lineStart && STATEMENT_WORDS.has(t.lower);
    if ((t.type === 'word' || t.type === 'string' || t.type === 'number') && !nextStatement) return this.next();
    this.fail(t, `expected ${expected}, found ${describe(t)}`);
  }

  expectString(expected: string): Token {
    const t = this.peek();
    if (t.type === 'string') return this.next();
    this.fail(t, `expected ${expected} in quotes, found ${describe(t)}`);
  }

  expectInteger(expected: string, min: number, max: number): number {
    const t = this.peek();
    if (t.type !== 'number' || t.text.includes('.')) this.fail(t, `expected ${expected}, found ${describe(t)}`);
    const n = Number(t.text);
    if (n < min || n > max) this.fail(t, `${expected} ${t.text} is out of range (${min}–${max})`);
    this.next();
    return n;
  }

  expectNumber(expected: string): number {
    const t = this.peek();
    if (t.type !== 'number') this.fail(t, `expected ${expected}, found ${describe(t)}`);
    this.next();
    return Number(t.text);
  }

  /** Records an error at `tok` and unwinds the current statement. */
  fail(tok: Token, message: string): never {
    this.error(tok.pos, message);
    throw new ParseAbort(message);
  }

  error(pos: SourcePos, message: string): void {
    this.diagnostics.push({ severity: 'error', pos, message, ...this.#about() });
  }

  warn(pos: SourcePos, message: string): void {
    this.diagnostics.push({ severity: 'warning', pos, message, ...this.#about() });
  }

  #about(): { service?: string } {
    return this.service !== undefined ? { service: this.service } : {};
  }

  /** Skips to the next token for which `stop` holds (or the end). */
  skipUntil(stop: (t: Token) => boolean): void {
    while (!this.atEnd && !stop(this.peek())) this.i++;
  }

  /** Skips a balanced `{ … }` if one is next; returns whether it did. */
  skipBraces(): boolean {
    if (this.peek().type !== '{') return false;
    let depth = 0;
    do {
      const t = this.next();
      if (t.type === '{') depth++;
      else if (t.type === '}') depth--;
      else if (t.type === 'eof') return true;
    } while (depth > 0);
    return true;
  }
}
