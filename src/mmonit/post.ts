// One push to an M/Monit collector, with monit's request: `POST PATH HTTP/1.1`, `Content-Type:
// text/xml`, `Content-Length`, `Pragma: no-cache`, `Accept: */*`, basic auth from the URL's user
// info, on a connection of its own. Errors never carry the URL (its user info is a secret).
import http from 'node:http';
import https from 'node:https';
import { VERSION } from '../util/version.js';

/** POSTs BODY to the collector URL; resolves on an answer below 400, like monit. */
export function postDocument(url: string, body: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const u = new URL(url);
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
