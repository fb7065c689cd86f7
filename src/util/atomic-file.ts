// Atomic file writes: a crash (even SIGKILL) leaves either the old file or the new one, never half.
import { mkdir, open, rename, rm } from './fs-async.js';
import { dirname } from 'node:path';

/** Writes `data` to `path` via a temporary file, fsync and rename, with the given mode. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A full disk fails the write: no empty temporary file is left behind, each try.
    await rm(tmp, { force: true });
    throw e;
  }
}
