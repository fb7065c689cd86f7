// Reading what was appended to a file since the last look, line by line, as monit's content test
// does (validate.c, check_file and the content match): the first look starts at the end; a new inode
// (rotated) or a file shorter than the offset (truncated) is read from its start; a last line
// without its newline is left for the next look (its writer is still writing it); a line is matched
// on its first LINE_MAX - 1 bytes. Unlike monit, one look reads at most `readMax` bytes (the rest is
// read next time), so a log that grew by gigabytes does not stall a cycle.
import { open, stat } from '../../util/fs-async.js';

/** Where the last look stopped: the file (inode) and the byte after the last line read. */
export interface TailCursor {
  readonly inode: number;
  readonly offset: number;
}

export interface TailRead {
  readonly cursor: TailCursor;
  readonly lines: readonly string[];
  /** Why reading started over at the start of the file, if it did. */
  readonly restart?: 'rotated' | 'truncated';
  /** True when `readMax` stopped the read before the end of the file. */
  readonly more: boolean;
  /** The first look: nothing read, the cursor set at the end. */
  readonly first: boolean;
  readonly bytesRead: number;
}

export interface TailLimits {
  /** monit's fileContentBuffer: a line is matched on its first lineMax - 1 bytes. */
  readonly lineMax: number;
  readonly readMax: number;
}

/** Reads the complete lines appended since PREV; undefined when the file cannot be stat'ed. */
export async function readAppended(
  path: string,
  prev: TailCursor | undefined,
  limits: TailLimits,
): Promise<TailRead | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  const inode = st.ino;
  if (!prev) return { cursor: { inode, offset: st.size }, lines: [], more: false, first: true, bytesRead: 0 };
  const restart: TailRead['restart'] =
    prev.inode !== inode ? 'rotated' : st.size < prev.offset ? 'truncated' : undefined;
  const from = restart ? 0 : prev.offset;
  const base = { ...(restart ? { restart } : {}), first: false };
  const want = Math.min(limits.readMax, st.size - from);
  if (want <= 0) return { ...base, cursor: { inode, offset: from }, lines: [], more: false, bytesRead: 0 };
  const buf = Buffer.alloc(want);
  const fh = await open(path, 'r');
  let got: number;
  try {
    ({ bytesRead: got } = await fh.read(buf, 0, want, from));
  } finally {
    await fh.close();
  }
  const atCap = got === limits.readMax && from + got < st.size;
  const { lines, used } = splitLines(buf.subarray(0, got), limits.lineMax, atCap);
  return { ...base, cursor: { inode, offset: from + used }, lines, more: atCap, bytesRead: used };
}

/**
 * The complete lines of BUF and the bytes they take. A trailing piece without a newline is left,
 * unless it fills a whole capped read (a line longer than the read cap): then it is taken as a line.
 */
function splitLines(buf: Buffer, lineMax: number, atCap: boolean): { lines: string[]; used: number } {
  const lines: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) {
      if (atCap && pos === 0) {
        lines.push(cut(buf, 0, buf.length, lineMax));
        pos = buf.length;
      }
      break;
    }
    lines.push(cut(buf, pos, nl, lineMax));
    pos = nl + 1;
  }
  return { lines, used: pos };
}

function cut(buf: Buffer, start: number, end: number, lineMax: number): string {
  return buf.toString('utf8', start, Math.min(end, start + lineMax - 1));
}
