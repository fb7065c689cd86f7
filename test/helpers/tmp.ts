// Temporary folders for tests: private (0700) because some hold password files, and removable in
// one call from an `after` hook.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder and the way to remove it. */
export interface TempDir {
  readonly path: string;
  cleanup(): Promise<void>;
}

/** Creates a private folder under os.tmpdir() whose name starts with `prefix`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  // mkdtemp already uses 0700; say so explicitly, since a rules file there must not be readable
  // by others (brokerwatch refuses it, like monit).
  await chmod(path, 0o700);
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
