// `set httpd unixsocket PATH [uid U] [gid G] [permission MODE] [read-only]`: the status server on a
// unix socket, as monit 5.33 serves one (http/engine.c): plain HTTP (no TLS), a stale socket file
// removed first, the mode and owner set once it listens, the file removed when it closes. monit
// leaves the mode to the umask (0755 under the usual 022: only the owner may connect, which needs
// write permission); brokerwatch makes it 0600 unless `permission` says otherwise, whatever the
// umask. A file at PATH that is not a socket, or a socket something still answers on, is left alone
// and the socket is not served.
import { chmod, chown, lstat, readFile, unlink } from '../util/fs-async.js';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { HttpdUnixSocket } from '../config/model.js';
import { normalizeIp } from './access.js';
import { closeServer } from './connection-guard.js';

/** The mode of the socket file when the rules name none. */
export const DEFAULT_SOCKET_MODE = 0o600;

/** Connections accepted on a unix socket of the status server. */
const unixClients = new WeakSet<Socket>();

/** True if the request came over the unix socket. */
export function viaUnixSocket(req: FastifyRequest | IncomingMessage): boolean {
  const raw = 'raw' in req ? req.raw : req;
  return unixClients.has(raw.socket);
}

/** Who asks, for limits and logs: the client's address, or `unix-socket` for the socket's clients (one
 *  budget: they share the file's permission, and the kernel tells Node no more about them). */
export function clientOf(req: FastifyRequest): string {
  return viaUnixSocket(req) ? 'unix-socket' : normalizeIp(req.ip);
}

/** Serves HANDLER on the unix socket; resolves once it listens with its mode and owner set.
 *  PREPARE sees the server before it listens (connection limits and deadlines). */
export async function listenUnixSocket(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  u: HttpdUnixSocket,
  prepare: (server: Server) => void,
): Promise<Server> {
  await removeStale(u.path);
  const server = createServer(handler);
  server.on('connection', (s: Socket) => unixClients.add(s));
  prepare(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(u.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await chmod(u.path, u.permission ?? DEFAULT_SOCKET_MODE);
    const ids = await idsOf(u);
    if (ids.uid !== -1 || ids.gid !== -1) await chown(u.path, ids.uid, ids.gid);
  } catch (e) {
    await closeServer(server);
    throw e;
  }
  return server;
}

/** Removes PATH if it is a socket nobody answers on (left by a brokerwatch that was killed). */
async function removeStale(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; it is left alone`);
  if (await answers(path)) throw new Error(`another server listens on ${path}; it is left alone`);
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

/** True if a connection to the socket at PATH is accepted. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.setTimeout(2000, () => s.destroy());
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

/** The socket's owner as numbers (-1: unchanged); names from /etc/passwd and /etc/group (Node has
 *  no getpwnam(); accounts known only to NSS are written as numbers). */
async function idsOf(u: HttpdUnixSocket): Promise<{ uid: number; gid: number }> {
  const uid = u.uid === undefined ? -1 : await idFromFile('/etc/passwd', 'user', u.uid);
  const gid = u.gid === undefined ? -1 : await idFromFile('/etc/group', 'group', u.gid);
  return { uid, gid };
}

async function idFromFile(file: string, kind: 'user' | 'group', name: string): Promise<number> {
  // A name first: a user may be called "1000"; then a number, which needs no entry.
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const [n, , id] = line.split(':');
    if (n === name && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  if (/^\d+$/.test(name)) return Number(name);
  throw new Error(`unixsocket: unknown ${kind} '${name}' (not in ${file})`);
}
