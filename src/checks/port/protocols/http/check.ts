// HTTP over the probe connection, with Node's own client: the request monit sends (method, path,
// Host, basic auth, the rule's headers, `Connection: close`), then the status, at most BODY_CAP bytes
// of the body, `content` and `checksum`. Redirects are not followed (as monit): a 3xx is a status.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { VERSION } from '../../../../util/version.js';
import { compare } from '../../../compare.js';
import { ProbeFailure, socketFailure } from '../../../mqtt/classify.js';
import type { ProbeConnection } from '../connection.js';
import { withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import type { HttpOptions } from './syntax.js';
import { monotonicMs } from '../../../../util/clock.js';

/** The most of a body read: `content` and `checksum` see this much (monit's default limit too). */
export const BODY_CAP = 1024 * 1024;

function headers(input: ProbeInput, h: HttpOptions): OutgoingHttpHeaders {
  const t = input.target;
  const defaultPort = t.tls ? 443 : 80;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  // Over a unix socket there is no port to name.
  const named = t.path !== undefined || t.port === defaultPort ? host : `${host}:${t.port}`;
  const out: OutgoingHttpHeaders = {
    Host: h.hostHeader ?? named,
    'User-Agent': `brokerwatch/${VERSION}`,
    Accept: '*/*',
    Connection: 'close',
  };
  if (h.username !== undefined)
    out.Authorization = `Basic ${Buffer.from(`${h.username}:${h.password ?? ''}`).toString('base64')}`;
  for (const [name, value] of h.headers) {
    // A header the rule names replaces ours of the same name (Host, most often).
    for (const k of Object.keys(out)) if (k.toLowerCase() === name.toLowerCase()) delete out[k];
    out[name] = value;
  }
  return out;
}

/** Sends the request and waits for the answer's head. */
function exchange(conn: ProbeConnection, input: ProbeInput, h: HttpOptions): Promise<IncomingMessage> {
  const sock = conn.handOver();
  const t0 = monotonicMs();
  conn.awaiting(`HTTP answer to ${h.method} ${h.request}`);
  return conn.race(
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({
        createConnection: () => sock,
        method: h.method,
        path: h.request,
        headers: headers(input, h),
        setHost: false,
      });
      req.once('finish', () => (conn.metrics.requestMs = Math.round(monotonicMs() - t0)));
      req.once('response', (res) => {
        conn.metrics.firstByteMs = Math.round(monotonicMs() - t0);
        resolve(res);
      });
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code?.startsWith('HPE_')
            ? new ProbeFailure('protocol-error', `not an HTTP answer (${e.code})`)
            : socketFailure(e, 'open'),
        ),
      );
      req.end();
    }),
  );
}

/** At most BODY_CAP bytes of the body; whether there was more. */
function body(conn: ProbeConnection, res: IncomingMessage): Promise<{ bytes: Buffer; capped: boolean }> {
  const t0 = monotonicMs();
  conn.awaiting('the end of the HTTP body');
  return conn.race(
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (capped: boolean): void => {
        conn.metrics.bodyMs = Math.round(monotonicMs() - t0);
        resolve({ bytes: Buffer.concat(chunks).subarray(0, BODY_CAP), capped });
      };
      res.on('data', (b: Buffer) => {
        chunks.push(b);
        size += b.length;
        if (size > BODY_CAP) {
          res.removeAllListeners('data');
          res.destroy();
          done(true);
        }
      });
      res.once('end', () => done(false));
      res.on('error', (e) => reject(new ProbeFailure('protocol-error', `HTTP body: ${e.message}`)));
    }),
  );
}

/** The rule's tests over the answer; throws the first that fails. */
function judge(h: HttpOptions, res: IncomingMessage, b: { bytes: Buffer; capped: boolean }): void {
  const code = res.statusCode ?? 0;
  const status = `HTTP status ${code}${res.statusMessage ? ` (${res.statusMessage})` : ''}`;
  if (h.status ? !compare(code, h.status.op, h.status.code) : code >= 400)
    throw new ProbeFailure('http-status', `${status}, not ${h.status ? `${h.status.op} ${h.status.code}` : '< 400'}`);
  const text = b.bytes.toString('utf8');
  const capNote = b.capped ? ` (first ${BODY_CAP} bytes read)` : '';
  if (h.content && new RegExp(h.content.regex).test(text) !== h.content.match)
    throw new ProbeFailure(
      'content-mismatch',
      `the body ${h.content.match ? 'does not match' : 'matches'} "${h.content.regex}"${capNote}`,
    );
  if (h.checksum !== undefined) {
    if (b.capped)
      throw new ProbeFailure('content-mismatch', `the body is over ${BODY_CAP} bytes: its checksum is not computed`);
    const algo = h.checksum.length === 32 ? 'md5' : 'sha1';
    const got = createHash(algo).update(b.bytes).digest('hex');
    if (got !== h.checksum)
      throw new ProbeFailure('content-mismatch', `the body's ${algo} checksum is ${got}, not ${h.checksum}`);
  }
}

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  const h: HttpOptions = input.cond.http ?? { method: 'GET', request: '/', headers: [] };
  return withConnection(input, async (conn) => {
    const res = await exchange(conn, input, h);
    const b = h.method === 'HEAD' ? { bytes: Buffer.alloc(0), capped: false } : await body(conn, res);
    judge(h, res, b);
    return `HTTP ${res.statusCode ?? 0} ${res.statusMessage ?? ''}, ${b.bytes.length}${b.capped ? '+' : ''} bytes`;
  });
}
