// Reading a pidfile, the way a broker tells where it runs. Every way a pidfile can be wrong gets its
// own reason and a message a person can act on, because "process not running" alone hides a
// half-written or hand-edited file.
import { open } from '../util/fs-async.js';
import { OwnFault, isOwnFault } from '../util/own-fault.js';

export type PidfileResult =
  | { readonly ok: true; readonly pid: number }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'empty' | 'garbage' | 'unreadable';
      readonly message: string;
    };

/** Linux's PID_MAX_LIMIT (2^22): no PID is ever larger, whatever kernel.pid_max says. */
const PID_MAX_LIMIT = 4_194_304;
/** A pidfile is one short line; reading more only costs memory when a wrong path is configured. */
const MAX_READ = 4096;

/**
 * Reads the PID in `path`: the first line, trimmed, must be a plain decimal PID. Throws OwnFault when
 * brokerwatch itself is out of descriptors or memory: that says nothing about the pidfile.
 */
export async function readPidfile(path: string): Promise<PidfileResult> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_READ);
      const { bytesRead } = await handle.read(buffer, 0, MAX_READ, 0);
      text = buffer.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (isOwnFault(err)) throw new OwnFault(`read pidfile ${path}`, err);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing', message: `pidfile ${path} does not exist` };
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String(code ?? err);
    return { ok: false, reason: 'unreadable', message: `pidfile ${path} cannot be read: ${why}` };
  }
  const line = (text.split('\n', 1)[0] ?? '').trim();
  if (line === '') {
    // A daemon creates the file before writing to it; this is often a start caught half-way.
    return { ok: false, reason: 'empty', message: `pidfile ${path} is empty` };
  }
  if (!/^\d{1,10}$/.test(line)) {
    const preview = line.length > 40 ? `${line.slice(0, 40)}…` : line;
    return { ok: false, reason: 'garbage', message: `pidfile ${path} does not hold a PID: ${JSON.stringify(preview)}` };
  }
  const pid = Number(line);
  if (pid < 1 || pid > PID_MAX_LIMIT) {
    return { ok: false, reason: 'garbage', message: `pidfile ${path} names PID ${pid}, which no process can have` };
  }
  return { ok: true, pid };
}
