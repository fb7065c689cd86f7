// One daemon per state file. A second `brokerwatch -c FILE` (a verb forgotten, a unit started twice)
// would supervise the same brokers and restart each one twice. The claim is a Linux abstract unix
// socket named after the state file: the kernel frees it when its process ends, however it ends
// (SIGKILL, OOM), so no stale lock is ever left to break, and two starts at the same moment cannot
// both win. The holder answers a connection with its PID, which the refused start names.
import { createHash } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { resolve } from 'node:path';

/** What a claim gives: the right to run, or who holds it. */
export type InstanceClaim =
  { readonly ok: true; release(): Promise<void> } | { readonly ok: false; readonly heldBy: number | undefined };

/** The abstract socket's name for a state file (a leading NUL: not a file, nothing to clean up). */
export function instanceName(statePath: string): string {
  return `\0brokerwatch/${createHash('sha256').update(resolve(statePath)).digest('hex').slice(0, 40)}`;
}

/** Claims the state file for this process, or says which process has it. */
export async function claimInstance(statePath: string): Promise<InstanceClaim> {
  const name = instanceName(statePath);
  const server = createServer((sock) => {
    sock.on('error', () => sock.destroy());
    sock.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  const listening = await new Promise<boolean>((done, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? done(false) : fail(e)));
    server.listen(name, () => done(true));
  });
  if (!listening) return { ok: false, heldBy: await askHolder(name) };
  // The claim never keeps the process alive by itself.
  server.unref();
  return { ok: true, release: () => close(server) };
}

function close(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

/** The PID the holder answers with; undefined if it does not answer within a second. */
function askHolder(name: string): Promise<number | undefined> {
  return new Promise((done) => {
    let text = '';
    const sock = createConnection(name);
    sock.setTimeout(1000, () => sock.destroy());
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      if (text.length < 256) text += d;
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      try {
        const pid = (JSON.parse(text) as { pid?: unknown }).pid;
        done(typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}
