// Mutations of rules files: bytes flipped, tokens deleted, duplicated, swapped or replaced, files
// spliced, huge tokens, invalid UTF-8, and the include shapes that once hurt (chains, loops, globs).
import type { Rng } from './prng.js';

/** One rules file of the corpus: where it came from and its text. */
export interface Seed {
  readonly name: string;
  readonly text: string;
}

/** The files of one case: `main.rc` is the one loaded, the others are included from it. */
export type CaseFiles = Map<string, Buffer>;

/** Words that steer the parser into its branches, beside the tokens of the corpus itself. */
const WORDS = [
  ...(
    'check process host file program system filesystem fifo directory network set daemon httpd alert ' +
    'mailserver mail-format include if then else failed succeeded port protocol mqtt roundtrip qos topic sys ' +
    'uptime restart exec start stop timeout retry cycles within depends group mode every allow password ' +
    'username ssl tls certificate backoff fleet cpu memory changed pid not exist { } = > <= != % MB ms -1 0 ' +
    '65536 1e309 99999999999999999999999 NaN 0x1F 1.5.2 $SYS/#'
  ).split(' '),
  '"',
  "'",
  '#',
  '\\',
  '*/5 * * * *',
];

/** Bytes that are not UTF-8: a lone continuation, overlong forms, a surrogate, a cut sequence, 0xFF. */
const BAD_UTF8 = [[0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xff], [0xfe], [0xf8]];

/** Words and the space between them, alternately; a quoted string with its quotes is one token. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^\s"']+|\s+/g) ?? [];
}

/** Indexes of the tokens that are not whitespace. */
function wordIndexes(toks: readonly string[]): number[] {
  return toks.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));
}

type TextMutation = (rng: Rng, text: string, corpus: readonly Seed[]) => string;

const tokenMutations: readonly TextMutation[] = [
  // delete a token
  (rng, text) => {
    const toks = tokens(text);
    const words = wordIndexes(toks);
    if (words.length > 0) toks.splice(rng.pick(words), 1);
    return toks.join('');
  },
  // duplicate a token, now and then many times
  (rng, text) => {
    const toks = tokens(text);
    const words = wordIndexes(toks);
    if (words.length === 0) return text;
    const i = rng.pick(words);
    toks.splice(i, 0, ...Array<string>(rng.chance(0.1) ? rng.size(4) : 1).fill(`${toks[i] ?? ''} `));
    return toks.join('');
  },
  // swap two tokens
  (rng, text) => {
    const toks = tokens(text);
    const words = wordIndexes(toks);
    if (words.length < 2) return text;
    const [a, b] = [rng.pick(words), rng.pick(words)];
    [toks[a], toks[b]] = [toks[b] ?? '', toks[a] ?? ''];
    return toks.join('');
  },
  // replace a token with a keyword or a token of another file
  (rng, text, corpus) => {
    const toks = tokens(text);
    const words = wordIndexes(toks);
    if (words.length === 0) return text;
    const other = wordIndexes(tokens(rng.pick(corpus).text));
    const donor = tokens(rng.pick(corpus).text);
    toks[rng.pick(words)] =
      rng.chance(0.5) || other.length === 0 ? rng.pick(WORDS) : (donor[rng.pick(wordIndexes(donor))] ?? '');
    return toks.join('');
  },
  // duplicate a line
  (rng, text) => {
    const lines = text.split('\n');
    const i = rng.int(0, lines.length - 1);
    lines.splice(i, 0, ...Array<string>(rng.chance(0.2) ? rng.size(4) : 1).fill(lines[i] ?? ''));
    return lines.join('\n');
  },
  // splice: the head of this file, the tail of another
  (rng, text, corpus) => {
    const a = text.split('\n');
    const b = rng.pick(corpus).text.split('\n');
    return [...a.slice(0, rng.int(0, a.length)), ...b.slice(rng.int(0, b.length))].join('\n');
  },
  // a huge token: a word, a number, a string (closed or not), braces or a comment
  (rng, text) => {
    const n = rng.size(6);
    const huge = rng.pick([
      'x'.repeat(n),
      '9'.repeat(n),
      `"${'y'.repeat(n)}"`,
      `"${'z'.repeat(n)}`,
      '{'.repeat(n),
      `{ ${'subject: $EVENT '.repeat(Math.ceil(n / 16))}`,
      `#${'c'.repeat(n)}`,
      '\\'.repeat(n),
    ]);
    const at = rng.int(0, text.length);
    return `${text.slice(0, at)} ${huge} ${text.slice(at)}`;
  },
  // cut the file short
  (rng, text) => text.slice(0, rng.int(0, text.length)),
  // line endings: CR LF, lone CR, form feeds, NUL, tabs
  (rng, text) => text.replace(/\n/g, () => rng.pick(['\r\n', '\r', '\n\f', '\n\0', '\n\t', '\n'])),
];

type ByteMutation = (rng: Rng, bytes: Buffer) => Buffer;

const byteMutations: readonly ByteMutation[] = [
  // flip bits
  (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let k = rng.int(1, 8); k > 0 && out.length > 0; k--) {
      const i = rng.int(0, out.length - 1);
      out[i] = (out[i] as number) ^ (1 << rng.int(0, 7));
    }
    return out;
  },
  // insert bytes that are not UTF-8
  (rng, bytes) => {
    const at = rng.int(0, bytes.length);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.pick(BAD_UTF8)), bytes.subarray(at)]);
  },
  // random bytes somewhere
  (rng, bytes) => {
    const at = rng.int(0, bytes.length);
    return Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.int(1, 64)), bytes.subarray(at)]);
  },
];

/** A mutant of SEED: one to four mutations, at token and byte level. */
export function mutate(rng: Rng, seed: Seed, corpus: readonly Seed[]): Buffer {
  let text = seed.text;
  let bytes: Buffer | undefined;
  for (let k = rng.int(1, 4); k > 0; k--) {
    if (bytes === undefined && rng.chance(0.75)) text = rng.pick(tokenMutations)(rng, text, corpus);
    else bytes = rng.pick(byteMutations)(rng, bytes ?? Buffer.from(text));
  }
  return bytes ?? Buffer.from(text);
}

/** Main file plus an include shape: a chain DEPTH deep, a loop, a glob over the folder, or none. */
export function withIncludes(rng: Rng, main: Buffer, corpus: readonly Seed[]): CaseFiles {
  const files: CaseFiles = new Map();
  const shape = rng.pick(['none', 'none', 'chain', 'loop', 'glob', 'missing']);
  if (shape === 'none') return files.set('main.rc', main);
  if (shape === 'chain') {
    // Around the limit of 32 nested files, on both sides.
    const depth = rng.pick([2, 5, 31, 32, 33, 40]);
    files.set('main.rc', Buffer.concat([Buffer.from('include "c1.rc"\n'), main]));
    for (let i = 1; i < depth; i++)
      files.set(
        `c${i}.rc`,
        Buffer.from(
          `include "c${i + 1}.rc"\ncheck host h${i} with address 127.0.0.1\n  if failed port ${i} then alert\n`,
        ),
      );
    return files.set(`c${depth}.rc`, mutate(rng, rng.pick(corpus), corpus));
  }
  if (shape === 'loop') {
    files.set('main.rc', Buffer.concat([main, Buffer.from('\ninclude "a.rc"\n')]));
    files.set('a.rc', Buffer.from('include "b.rc"\n'));
    return files.set('b.rc', Buffer.from(rng.pick(['include "a.rc"\n', 'include "main.rc"\n', 'include "*.rc"\n'])));
  }
  if (shape === 'glob') {
    // Every file including every file: K! paths unless loops are cut at once.
    files.set('main.rc', Buffer.concat([Buffer.from('include "g*.rc"\n'), main]));
    for (let i = 0; i < rng.int(2, 6); i++) files.set(`g${i}.rc`, Buffer.from(`include "g*.rc"\n`));
    return files;
  }
  const target = rng.pick(['nothere.rc', 'dir/*.rc', '[z-a].rc', '/nonexistent/**', '', '.', '..', 'main.rc/']);
  return files.set('main.rc', Buffer.concat([main, Buffer.from(`\ninclude "${target}"\n`)]));
}
