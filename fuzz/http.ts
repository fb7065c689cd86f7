// Fuzz target 2, the status server: a real in-process daemon and server on 127.0.0.1, hit over raw
// TCP with the requests of http-requests.ts. Promises: never a 5xx, never a stack trace, a file of
// the code or (in an error) a path of the machine in an answer; after each batch the server still
// answers a good request, holds no connection, and the process holds no more descriptors than before.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseRules } from '../src/config/loader.js';
import { Daemon } from '../src/daemon/daemon.js';
import type { HttpServer } from '../src/http/listeners.js';
import { startHttpServer } from '../src/http/listeners.js';
import { eventually, fdsBackTo, openFds } from './descriptors.js';
import { rawRequest } from './http-requests.js';
import type { Credentials } from './http-requests.js';
import type { Rng } from './prng.js';
import type { CaseReport, FuzzSession, FuzzTarget } from './target.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const CREDENTIALS: Credentials = {
  admin: basic('admin', 'fuzz-Admin-pw1'),
  guest: basic('guest', 'fuzz-Guest-pw1'),
  services: ['watched', 'missing'],
};
/** An answer ends when the server closes, or when it has been quiet this long. */
const QUIET_MS = 1_000;

/** Sends RAW in one to three writes, maybe half-closes, and returns every byte answered. */
export function exchange(port: number, raw: Buffer, rng: Rng): Promise<Buffer> {
  const cuts = [
    0,
    ...Array.from({ length: rng.int(0, 2) }, () => rng.int(0, raw.length)).sort((a, b) => a - b),
    raw.length,
  ];
  const halfClose = rng.chance(0.5);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(quiet);
      socket.destroy();
      resolve(Buffer.concat(got));
    };
    const wait = (): void => {
      clearTimeout(quiet);
      quiet = setTimeout(finish, QUIET_MS);
    };
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (answered(Buffer.concat(got).toString('latin1'))) finish();
      else wait();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.on('connect', () => {
      for (let i = 1; i < cuts.length; i++) socket.write(raw.subarray(cuts[i - 1], cuts[i]));
      if (halfClose) socket.end();
      wait();
    });
  });
}

/** True once ANSWER holds a whole response (its length known), so keep-alive need not be waited out. */
function answered(answer: string): boolean {
  const end = answer.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = answer.slice(0, end);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return answer.length - end - 4 >= Number(length);
  return /\r\ntransfer-encoding: *chunked/i.test(head) && answer.endsWith('\r\n0\r\n\r\n');
}

/**
 * What is wrong with an answer, or undefined. A refused reload names the rules file on purpose (the
 * position of each error, to an admin): `allowed` is that file, left out of the search for paths.
 */
export function answerProblem(answer: string, privatePaths: readonly string[], allowed?: string): string | undefined {
  if (allowed !== undefined) answer = answer.replaceAll(`${allowed}:`, '');
  // One answer may hold several responses (a 100 Continue, a 400 after a request cut short).
  const starts = [...answer.matchAll(/(?:^|\r?\n)HTTP\/\d\.\d (\d{3})/g)];
  for (const [i, m] of starts.entries()) {
    const status = Number(m[1]);
    const response = answer.slice(m.index, starts[i + 1]?.index ?? answer.length);
    if (status >= 500) return `answered ${status}: ${response.slice(0, 600)}`;
    for (const p of status >= 400 ? privatePaths : [])
      if (response.includes(p)) return `a path (${p}) in an error: ${response.slice(0, 1200)}`;
  }
  if (/\n\s+at \S.*:\d+:\d+\)?/.test(answer)) return `a stack trace in the answer: ${answer.slice(0, 1200)}`;
  for (const p of [ROOT, '/node_modules/', 'file://'])
    if (answer.includes(p)) return `a path (${p}) in the answer: ${answer.slice(0, 1200)}`;
  return undefined;
}

class HttpSession implements FuzzSession {
  constructor(
    readonly dir: string,
    readonly daemon: Daemon,
    readonly server: HttpServer,
    readonly baseline: number,
    readonly errors: string[],
  ) {}

  async run(rng: Rng): Promise<CaseReport> {
    const raw = rawRequest(rng, CREDENTIALS);
    const input = [{ name: 'request.bin', data: raw }];
    const answer = (await exchange(this.server.port, raw, rng)).toString('latin1');
    const problem = answerProblem(answer, [this.dir], join(this.dir, 'brokerwatch.rc'));
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(answer)?.[1] ?? 0);
    return {
      verdict: status >= 200 && status < 400 ? 'accepted' : 'rejected',
      ...(problem ? { finding: problem } : {}),
      input,
    };
  }

  async checkpoint(): Promise<string | undefined> {
    const answer = (await exchangeWhole(this.server.port, goodRequest())).toString('utf8');
    if (!/^HTTP\/1\.1 200 /.test(answer) || !answer.includes('"services"'))
      return `a good request is not served: ${answer.slice(0, 300) || '(no answer)'}`;
    if (!(await eventually(() => this.server.connections().open === 0, 5_000)))
      return `${this.server.connections().open} connections still open on the server`;
    const left = await fdsBackTo(this.baseline);
    if (left !== undefined) return `descriptors leaked: ${left} open, ${this.baseline} before`;
    const logged = this.errors.splice(0);
    if (logged.length > 0) return `logged as bugs: ${logged.join(' | ').slice(0, 1500)}`;
    return undefined;
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.daemon.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The request the server must always answer with 200. */
function goodRequest(): Buffer {
  return Buffer.from(
    `GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${CREDENTIALS.admin}\r\nConnection: close\r\n\r\n`,
  );
}

/** A request sent whole, answered until the server closes (Connection: close). */
function exchangeWhole(port: number, raw: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got));
    });
  });
}

export const httpTarget: FuzzTarget = {
  name: 'http',
  batch: 25,
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'brokerwatch-fuzz-http-'));
    await chmod(dir, 0o700);
    const rulesFile = join(dir, 'brokerwatch.rc');
    await writeFile(join(dir, 'watched.txt'), 'x');
    const text = [
      'set daemon 1',
      `set statefile ${join(dir, 'state.json')}`,
      'set httpd port 2812 address 127.0.0.1',
      '  allow admin:fuzz-Admin-pw1',
      '  allow guest:fuzz-Guest-pw1 read-only',
      `check file watched with path ${join(dir, 'watched.txt')}`,
      `check file missing with path ${join(dir, 'missing.txt')}`,
      '',
    ].join('\n');
    await writeFile(rulesFile, text, { mode: 0o600 });
    const { config } = await parseRules(text, rulesFile);
    // What the server or the daemon log as a bug is a finding too, even when no 500 showed it.
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (s: string) => void (s.includes('(bug)') && errors.push(s)) });
    const daemon = new Daemon(config, { logger, cwd: dir });
    await daemon.start();
    let reloads = 0;
    const server = await startHttpServer(daemon, {
      config,
      logger,
      rulesFile,
      port: 0,
      reload: async () => (++reloads % 2 === 0 ? { ok: true } : { ok: false, errors: [`${rulesFile}:1:1: refused`] }),
      quit: () => undefined,
      limits: { actionsPerMinute: 100_000, failedLogins: 100_000 },
    });
    // The baseline: after a first good request, with the server's lazy parts loaded.
    await exchangeWhole(server.port, goodRequest());
    await eventually(() => server.connections().open === 0, 5_000);
    return new HttpSession(dir, daemon, server, openFds(), errors);
  },
};
