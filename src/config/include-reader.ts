// Reading a rules file and what it includes, expanded on the token stream where each `include`
// stands. Rules files are input that may be wrong in hostile ways: K files in one folder each doing
// `include "*.rc"` would be explored along every path (K! of them), and a chain 12,000 files deep
// took 36 s and 1 GB. So a loop is cut at its first repeat, the depth, the number of files read and
// the bytes read are capped, and each problem is reported once.
import { open, realpath } from '../util/fs-async.js';
import { dirname, isAbsolute, join } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import type { Token } from './lexer.js';
import { lex } from './lexer.js';
import type { SourcePos } from './model.js';
import { decodeRules } from './source-text.js';

/** How far includes may go. */
export interface IncludeLimits {
  /** Files open at once along one include chain, the main file included. */
  readonly depth: number;
  /** Files read in all (a file included twice counts twice). */
  readonly files: number;
  /** Bytes read in all. */
  readonly bytes: number;
  /** Tokens (words, numbers, strings, braces) read in all: what the loader's time grows with. */
  readonly tokens: number;
}

/**
 * 32 deep, 1,000 files, 16 MB, 250,000 tokens: far beyond any real setup (Debian's monit.d holds a
 * dozen files; a rules file of 500 services is some 25,000 tokens). Checking costs a few µs of CPU
 * per token, so the tokens bound a load to well under a second.
 */
export const INCLUDE_LIMITS: IncludeLimits = { depth: 32, files: 1000, bytes: 16 * 1024 * 1024, tokens: 250_000 };

/** What the reader needs of the loader: the glob, and the permission checks of a file. */
export interface IncludeHooks {
  glob(pattern: string): Promise<string[]>;
  /** Why nothing matched: a missing `file` or `folder`, or undefined (an empty folder is fine). */
  whatIsMissing(pattern: string): Promise<'file' | 'folder' | undefined>;
  /** The main file's problem (it may hold passwords), or undefined. */
  mainProblem(path: string): Promise<string | undefined>;
  /** An included file's verdict from its owner, mode and tokens, or undefined. */
  includedVerdict(path: string, tokens: readonly Token[]): Promise<Omit<Diagnostic, 'pos'> | undefined>;
  /** True when `e` is a malformed glob (its message is reported). */
  isGlobError(e: unknown): e is Error;
}

/** One load: the files read in order, the diagnostics, and what was spent of the limits. */
export class IncludeReader {
  readonly files: string[] = [];
  readonly diagnostics: Diagnostic[] = [];
  #reads = 0;
  #bytes = 0;
  #tokens = 0;
  /** Problems already reported, by a key: each is reported once however often it is met. */
  readonly #reported = new Set<string>();
  /** Once a loop is found the rules are refused: a file read before is not read again. */
  #looped = false;

  constructor(
    private readonly hooks: IncludeHooks,
    private readonly checkPermissions: boolean,
    private readonly limits: IncludeLimits = INCLUDE_LIMITS,
  ) {}

  /** The tokens of the file at `path`, included at `from` by the chain `stack` (real paths). */
  async file(path: string, from: SourcePos, stack: readonly string[]): Promise<Token[]> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      this.#error(from, `cannot read rules file ${path}: no such file`);
      return [];
    }
    if (stack.includes(real)) {
      this.#looped = true;
      this.#once(`loop ${posKey(from)}`, from, `include loop: ${[...stack, real].join(' -> ')}`);
      return [];
    }
    if (this.#looped && this.files.includes(path)) return [];
    if (!this.#withinLimits(from, path, stack)) return [];
    const included = stack.length > 0;
    if (this.checkPermissions && !included) {
      const problem = await this.hooks.mainProblem(path);
      if (problem) {
        this.#error(from, problem);
        return [];
      }
    }
    const text = await this.#read(path, from);
    if (text === undefined) return [];
    const lexed = lex(text.text, path, this.limits.tokens - this.#tokens);
    this.#tokens += lexed.tokens.length;
    if (lexed.cut) {
      // Grouped by hand: toLocaleString would map some 6 MB of ICU data into the daemon for good.
      const most = String(this.limits.tokens).replace(/\B(?=(\d{3})+$)/g, ',');
      this.#once(
        'tokens',
        lexed.cut,
        `rules of more than ${most} tokens in all, includes counted; the rest is not read`,
      );
    }
    if (this.checkPermissions && included) {
      const verdict = await this.hooks.includedVerdict(path, lexed.tokens);
      if (verdict?.severity === 'error') {
        this.diagnostics.push({ ...verdict, pos: from });
        return [];
      }
      // Included in many places (Debian's templates), it is warned about once.
      if (verdict && !this.files.includes(path)) this.diagnostics.push({ ...verdict, pos: from });
    }
    const firstRead = !this.files.includes(path);
    this.files.push(path);
    // A file included twice says the same twice; its own problems are reported once.
    if (firstRead) append(this.diagnostics, [...text.diagnostics, ...lexed.diagnostics]);
    return this.expand(lexed.tokens, path, [...stack, real]);
  }

  /** `tokens` with each `include GLOB` replaced by the tokens of the files it names. */
  async expand(tokens: Token[], file: string, stack: readonly string[]): Promise<Token[]> {
    const out: Token[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      const arg = tokens[i + 1];
      if (t.type !== 'word' || t.lower !== 'include') {
        out.push(t);
        continue;
      }
      if (!arg || (arg.type !== 'word' && arg.type !== 'string')) {
        this.#error(t.pos, `expected a file or glob after include, found ${arg ? `'${arg.text}'` : 'end of file'}`);
        continue;
      }
      i++;
      for (const m of await this.#matches(arg, file)) append(out, await this.file(m, arg.pos, stack));
    }
    return out;
  }

  /** The files an include's argument names, sorted; a problem is reported and nothing matched. */
  async #matches(arg: Token, file: string): Promise<string[]> {
    const pattern = isAbsolute(arg.text) ? arg.text : join(dirname(file), arg.text);
    let matches: string[];
    try {
      matches = await this.hooks.glob(pattern);
    } catch (e) {
      if (!this.hooks.isGlobError(e)) throw e;
      this.#error(arg.pos, `include ${arg.text}: ${e.message}`);
      return [];
    }
    if (matches.length === 0) {
      const missing = await this.hooks.whatIsMissing(pattern);
      // monit says "Include failed" and goes on; a glob that matches nothing in its folder is silent.
      if (missing !== undefined)
        this.diagnostics.push({
          severity: 'warning',
          pos: arg.pos,
          message: `include ${arg.text}: no such ${missing}; skipped`,
        });
    }
    return matches;
  }

  /** Whether one more file may be read at this depth; the first time a limit is met it is reported. */
  #withinLimits(from: SourcePos, path: string, stack: readonly string[]): boolean {
    const { depth, files } = this.limits;
    if (stack.length >= depth) {
      this.#once('depth', from, `include ${path}: includes nest deeper than ${depth} files; the rest is skipped`);
      return false;
    }
    if (this.#reads >= files) {
      this.#once('files', from, `include ${path}: more than ${files} files read through includes; the rest is skipped`);
      return false;
    }
    this.#reads++;
    return true;
  }

  /** The file's text (UTF-8 checked), or undefined once its error is reported (unreadable, over the byte budget). */
  async #read(path: string, from: SourcePos): Promise<{ text: string; diagnostics: Diagnostic[] } | undefined> {
    try {
      const handle = await open(path, 'r');
      try {
        const size = (await handle.stat()).size;
        const left = this.limits.bytes - this.#bytes;
        if (size > left) {
          this.#bytes = this.limits.bytes;
          const total = `${this.limits.bytes / (1024 * 1024)} MB`;
          this.#once('bytes', from, `include ${path}: rules files over ${total} in all; the rest is skipped`);
          return undefined;
        }
        // A file that grows while read is cut at the budget; its size was the promise.
        const bytes = Buffer.alloc(size);
        const { bytesRead } = await handle.read(bytes, 0, size, 0);
        this.#bytes += bytesRead;
        return decodeRules(bytes.subarray(0, bytesRead), path);
      } finally {
        await handle.close();
      }
    } catch (e) {
      this.#error(from, `cannot read rules file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return undefined;
    }
  }

  #error(pos: SourcePos, message: string): void {
    this.#once(`${posKey(pos)} ${message}`, pos, message);
  }

  #once(key: string, pos: SourcePos, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.diagnostics.push({ severity: 'error', pos, message });
  }
}

/**
 * Appends ITEMS to LIST. Not `list.push(...items)`: that passes each item as an argument, and an
 * included file of some 100,000 tokens (or a file with as many unterminated strings) overflowed
 * the stack with a RangeError instead of loading or being refused.
 */
export function append<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}

function posKey(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.col}`;
}
