// The host's stable id, monit's `set idfile` (default ~/.monit.id): read from the file, or, when the
// rules name a file that does not exist yet, made once (32 random hex digits, as monit's) and written
// there. It names this host in the monit XML status (`<id>`, which M/Monit keys hosts by) and in alert
// mails, so a server that replaces monit by brokerwatch keeps its identity. Without `set idfile` and
// without ~/.monit.id nothing is written: the id is then derived from the host and the rules file.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from '../util/fs-async.js';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

/** The id, whether it was just made, or why there is none. */
export interface HostIdResult {
  readonly id?: string;
  readonly path: string;
  readonly created?: boolean;
  readonly problem?: string;
}

/** Reads (or, for a named file, creates) the id file; relative paths are resolved against CWD. */
export async function loadHostId(idfile: string | undefined, cwd: string): Promise<HostIdResult> {
  const path = idfile !== undefined ? resolve(cwd, idfile) : resolve(homedir(), '.monit.id');
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9_-]{1,255}$/.test(id)) return { id, path };
    if (id !== '') return { path, problem: `id file ${path} does not hold an id` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return { path, problem: `cannot read id file ${path}: ${code ?? String(e)}` };
    if (idfile === undefined) return { path };
  }
  const id = randomBytes(16).toString('hex');
  try {
    // 'w' over an empty file; a file that appeared meanwhile is read by the next start.
    await writeFile(path, `${id}\n`, { mode: 0o644 });
    return { id, path, created: true };
  } catch (e) {
    return { path, problem: `cannot write id file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
}
