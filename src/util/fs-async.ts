// Promise-returning file operations, made from node:fs's callback functions. node:fs/promises is not
// loaded: with what it pulls in (FileHandle and its streams, readline for readLines()) it is 0.4 MB
// of an idle daemon's memory, for functions node:fs already has. Same names, arguments and results
// as node:fs/promises for what the program uses; `open` gives a small handle of the same shape.
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import type { Mode, OpenMode, PathLike, Stats } from 'node:fs';

export const readFile = promisify(fs.readFile);
export const writeFile = promisify(fs.writeFile);
export const stat = promisify(fs.stat);
export const lstat = promisify(fs.lstat);
export const statfs = promisify(fs.statfs);
export const readdir = promisify(fs.readdir);
export const readlink = promisify(fs.readlink);
/** The kernel's realpath(3) in one call (node:fs/promises' too), not one lstat per path component. */
export const realpath = promisify(fs.realpath.native);
export const rm = promisify(fs.rm);
export const mkdir = promisify(fs.mkdir);
export const mkdtemp = promisify(fs.mkdtemp);
export const unlink = promisify(fs.unlink);
export const rename = promisify(fs.rename);
export const chmod = promisify(fs.chmod);
export const chown = promisify(fs.chown);
export const access = promisify(fs.access);

const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
const fstat = promisify(fs.fstat);
const fsync = promisify(fs.fsync);
const closeFd = promisify(fs.close);

/** An open file: node:fs/promises' FileHandle, as far as the program uses it. */
export interface FileHandle {
  readonly fd: number;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** Writes all of DATA from the file's position (fs.writeFile on the descriptor). */
  writeFile(data: string | Uint8Array): Promise<void>;
  stat(): Promise<Stats>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens PATH (see fs.open); the handle must be closed. */
export async function open(path: PathLike, flags?: OpenMode, mode?: Mode): Promise<FileHandle> {
  const fd = await openFd(path, flags ?? 'r', mode);
  let closed: Promise<void> | undefined;
  return {
    fd,
    read: async (buffer, offset, length, position) => ({
      bytesRead: (await readFd(fd, buffer, offset, length, position)).bytesRead,
    }),
    writeFile: (data) => writeFile(fd, data),
    stat: () => fstat(fd),
    sync: () => fsync(fd),
    close: () => (closed ??= closeFd(fd)),
  };
}
