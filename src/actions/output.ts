// Where a program's stdout and stderr go: one unlinked temporary file, shared by both so that
// their lines stay interleaved in the order written.
//
// Not a pipe, because a start program that daemonizes (`/etc/init.d/mosquitto start`) often leaves
// the broker holding the inherited stdout. With a pipe we would either wait for an EOF that never
// comes (the classic "start hangs") or close our end, and the broker's next log line would kill
// it with SIGPIPE, even after brokerwatch itself restarts. A file never blocks and never breaks.
// The file is unlinked at once: nothing is left on disk, and it is freed when the last holder
// closes it. We read only its tail, so the memory used is bounded however much is written.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from '../util/fs-async.js';
import { open, unlink } from '../util/fs-async.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OutputTail {
  readonly text: string;
  /** Bytes written in all. */
  readonly bytes: number;
  readonly truncated: boolean;
}

/** An unlinked temporary file to hand to a child as stdout and stderr. */
export class OutputCapture {
  readonly #handle: FileHandle;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Creates the file (0600, O_EXCL, no symlink following) and unlinks it. */
  static async create(dir: string = tmpdir()): Promise<OutputCapture> {
    const path = join(dir, `brokerwatch-output-${randomUUID()}`);
    const { O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW } = constants;
    // O_APPEND: the child's processes share one offset anyway; appending keeps a child that
    // seeks from overwriting earlier output.
    const handle = await open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW, 0o600);
    try {
      await unlink(path);
    } catch (e) {
      await handle.close();
      throw e;
    }
    return new OutputCapture(handle);
  }

  /** The descriptor to pass to the child. */
  get fd(): number {
    return this.#handle.fd;
  }

  /** Reads the last `maxBytes` bytes written so far, as UTF-8. */
  async tail(maxBytes: number): Promise<OutputTail> {
    const { size } = await this.#handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.#handle.read(buffer, 0, length, size - length);
    let start = 0;
    if (size > length) {
      // Cut at a character boundary: skip UTF-8 continuation bytes (10xxxxxx) at the start.
      while (start < bytesRead && ((buffer[start] ?? 0) & 0xc0) === 0x80) start++;
    }
    return { text: buffer.toString('utf8', start, bytesRead), bytes: size, truncated: size > length };
  }

  /** Closes our descriptor; a daemon that inherited it keeps writing to the unlinked file. */
  async close(): Promise<void> {
    await this.#handle.close();
  }
}
