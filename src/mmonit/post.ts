// One push to an M/Monit collector, with monit's request: `POST PATH HTTP/1.1`, `Content-Type:
// text/xml`, `Content-Length`, `Pragma: no-cache`, `Accept: */*`, basic auth from the URL's user
// info, on a connection of its own. Errors never carry the URL (its user info is a secret).
import { readFile } from '../util/fs-async.js';
import http from 'node:http';
import https from 'node:https';
import { VERSION } from '../util/version.js';
import type { MMonitCollector } from './syntax.js';

/** The TLS settings of an https:// collector: verified against the system's CAs and `cacertificatefile`
 *  (read at each push) unless `verify: disable` or `selfsigned: allow`. */
async function tlsOptions(c: MMonitCollector): Promise<https.RequestOptions> {
  const t = c.tls;
  return {
    rejectUnauthorized: !(t?.verify === false || t?.allowSelfSigned === true),
    ...(t?.caFile !== undefined ? { ca: await readFile(t.caFile, 'utf8') } : {}),
  };
}

/** POSTs BODY to the collector; resolves on an answer below 400, like monit. */
export async function postDocument(c: MMonitCollector, body: string, signal: AbortSignal): Promise<void> {
  const { timeoutMs } = c;
  const u = new URL(c.url);
  const tls = u.protocol === 'https:' ? await tlsOptions(c) : {};
  const headers: Record<string, string> = {
    'content-type': 'text/xml',
    'content-length': String(Buffer.byteLength(body)),
    pragma: 'no-cache',
    accept: '*/*',
    'user-agent': `brokerwatch/${VERSION}`,
  };
  if (u.username || u.password) {
    const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(
      {
        method: 'POST',
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || (u.protocol === 'https:' ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        headers,
        agent: false,
        ...tls,
        signal: AbortSignal.any([signal, timeout]),
      },
      (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code > 0 && code < 400) resolve();
          else
            reject(new Error(`the collector answered HTTP ${code}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
        });
      },
    );
    req.on('error', (err) => {
      reject(timeout.aborted ? new Error(`no answer within ${timeoutMs} ms`) : err);
    });
    req.end(body);
  });
}
