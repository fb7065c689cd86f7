// A rules file's bytes as text. It must be UTF-8: a Latin-1 path (`/var/lib/caf\xe9`) decoded with
// replacement characters would name a file that does not exist, silently. So each line's first byte
// that is not UTF-8 is an error at its FILE:LINE:COL, and the file is not used.
import type { Diagnostic } from './diagnostics.js';

/** At most this many invalid bytes are reported per file: one is enough to act on. */
const MAX_REPORTED = 10;

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The text of `bytes` and an error for the first invalid UTF-8 byte of each line (up to MAX_REPORTED). */
export function decodeRules(bytes: Uint8Array, file: string): { text: string; diagnostics: Diagnostic[] } {
  try {
    return { text: strict.decode(bytes), diagnostics: [] };
  } catch {
    // Found below, with its position.
  }
  const diagnostics: Diagnostic[] = [];
  const line = { number: 1, start: 0 };
  let lastLine = 0;
  for (const at of invalidUtf8(bytes)) {
    advanceLine(bytes, at, line);
    if (line.number === lastLine) continue;
    lastLine = line.number;
    const col = lenient.decode(bytes.subarray(line.start, at)).length + 1;
    const hex = (bytes[at] as number).toString(16).toUpperCase().padStart(2, '0');
    diagnostics.push({
      severity: 'error',
      pos: { file, line: line.number, col },
      message: `invalid UTF-8 byte 0x${hex}: rules files are UTF-8 (convert with 'iconv -f latin1 -t utf-8')`,
    });
    if (diagnostics.length >= MAX_REPORTED) break;
  }
  return { text: lenient.decode(bytes), diagnostics };
}

/** Moves `line` (its 1-based number and the offset where it starts) forward to the line of byte `at`. */
function advanceLine(bytes: Uint8Array, at: number, line: { number: number; start: number }): void {
  for (let i = bytes.indexOf(0x0a, line.start); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) {
    line.number++;
    line.start = i + 1;
  }
}

/** Offsets of the bytes that start no valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates). */
function* invalidUtf8(bytes: Uint8Array): Generator<number> {
  let i = 0;
  while (i < bytes.length) {
    const len = sequenceLength(bytes, i);
    if (len === 0) {
      yield i;
      i++;
    } else i += len;
  }
}

/** The length of the valid sequence starting at `i`, or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i] as number;
  if (lead < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const lo = lead === 0xe0 ? 0xa0 : 0x80;
    const hi = lead === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const lo = lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
