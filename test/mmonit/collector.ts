// A recording M/Monit collector on a loopback port: it keeps every POST (method, path, headers,
// body) and answers 200, or holds the requests unanswered while `hold` is set (a hung M/Monit),
// counting how many are open at once.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Cleanup } from '../daemon/harness.js';

/** One push as the collector saw it. */
export interface Push {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** A running collector. */
export interface RecordingCollector {
  readonly port: number;
  readonly pushes: Push[];
  /** Requests open now, and the most ever open at once. */
  readonly open: { now: number; max: number };
  /** While true, requests are recorded but not answered. */
  hold: boolean;
  /** Answers every held request. */
  release(): void;
  url(userinfo: string, path: string): string;
}

/** Starts a collector on 127.0.0.1 (PORT, or a free one); `cleanup` closes it. */
export async function startCollector(cleanup: Cleanup, port = 0): Promise<RecordingCollector> {
  const held: ServerResponse[] = [];
  const c: RecordingCollector = {
    port: 0,
    pushes: [],
    open: { now: 0, max: 0 },
    hold: false,
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    url: (userinfo, path) => `http://${userinfo}@127.0.0.1:${c.port}${path}`,
  };
  const server = createServer((req, res) => {
    c.open.now++;
    c.open.max = Math.max(c.open.max, c.open.now);
    res.on('close', () => c.open.now--);
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      c.pushes.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      if (c.hold) held.push(res);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('collector has no port');
  (c as { port: number }).port = a.port;
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return c;
}
