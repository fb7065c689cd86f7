// The HTTP tests' shared setup: a rules file (0600, in a private folder) with users, a supervised
// `sleep` standing in for a broker (a start program that backgrounds it and writes its pidfile), an
// in-process Daemon whose log lines are kept, and the HTTP server built on it, reached through
// fastify's inject or a real socket on 127.0.0.1 (port 0). Everything started is ended by PID.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { parseRules } from '../../src/config/loader.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { Clock } from '../../src/util/clock.js';
import type { HttpServer, HttpServerOptions } from '../../src/http/listeners.js';
import { startHttpServer } from '../../src/http/listeners.js';
import type { BuiltHttpServer } from '../../src/http/server.js';
import { buildHttpServer } from '../../src/http/server.js';
import { tempDir } from '../helpers/tmp.js';
// Every in-process daemon test fails on an unhandled rejection or an uncaught exception.
import '../helpers/stray-errors.js';

export const ADMIN = { user: 'admin', password: 'adm1n-Secret-pw' };
export const GUEST = { user: 'guest', password: 'gu3st-Secret-pw' };

/** An Authorization header for basic auth. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Headers of an admin's action request. */
export const adminJson = { authorization: basic(ADMIN.user, ADMIN.password), 'content-type': 'application/json' };

/** The `set httpd` block most tests use: an admin, a read-only guest, no network entries. */
export function httpdBlock(extra: readonly string[] = []): string {
  return [
    'set httpd port 2812 address 127.0.0.1',
    `  allow ${ADMIN.user}:${ADMIN.password}`,
    `  allow ${GUEST.user}:${GUEST.password} read-only`,
    ...extra.map((l) => `  ${l}`),
  ].join('\n');
}

/** A `check process NAME` whose start program backgrounds `sleep 1000` and writes its pidfile. */
export function sleeperBlock(dir: string, name: string, extra: readonly string[] = []): string {
  const pidfile = join(dir, `${name}.pid`);
  return [
    `check process ${name} with pidfile ${pidfile}`,
    `  start program = "/bin/sh -c 'sleep 1000 >/dev/null 2>&1 & echo $! > ${pidfile}'" with timeout 10 seconds`,
    ...extra.map((l) => `  ${l}`),
  ].join('\n');
}

/** A test daemon with its HTTP server. */
export interface Fixture {
  readonly dir: string;
  readonly rulesFile: string;
  readonly daemon: Daemon;
  readonly app: FastifyInstance;
  readonly built: BuiltHttpServer;
  /** Every log line of the daemon and the server, as written. */
  readonly logText: string[];
  readonly quits: number[];
  /** What the next reload answers. */
  reloadResult: { ok: boolean; errors?: string[] };
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** Listens on PORT (default 0: any free port) at the rules file's address, beside the inject-only server. */
  listen(port?: number): Promise<HttpServer>;
  close(): Promise<void>;
}

/** Writes RULES (with `DIR` replaced by the private folder) and starts daemon and server. */
export async function startFixture(
  rules: (dir: string) => string,
  opts: Partial<HttpServerOptions> = {},
  clock?: Clock,
): Promise<Fixture> {
  const tmp = await tempDir('brokerwatch-http-');
  const dir = tmp.path;
  const rulesFile = join(dir, 'brokerwatch.rc');
  const text = [`set daemon 1`, `set statefile ${join(dir, 'state.json')}`, rules(dir), ''].join('\n');
  await writeFile(rulesFile, text, { mode: 0o600 });
  const { config } = await parseRules(text, rulesFile);
  const logText: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logText.push(s) });
  const daemon = new Daemon(config, { logger, cwd: dir, ...(clock ? { clock } : {}) });
  await daemon.start();
  const quits: number[] = [];
  const servers: HttpServer[] = [];
  const serverOpts: HttpServerOptions = {
    config,
    logger,
    rulesFile,
    reload: async () => fixture.reloadResult,
    quit: () => void quits.push(Date.now()),
    limits: { actionsPerMinute: 10_000, failedLogins: 10_000 },
    ...opts,
  };
  const built = await buildHttpServer(daemon, serverOpts);
  const fixture: Fixture = {
    dir,
    rulesFile,
    daemon,
    app: built.app,
    built,
    logText,
    quits,
    reloadResult: { ok: true },
    inject: (o) => built.app.inject(o),
    listen: async (port = 0) => {
      // The address is the rules file's (127.0.0.1 when it names none).
      const s = await startHttpServer(daemon, { ...serverOpts, port });
      servers.push(s);
      return s;
    },
    close: async () => {
      for (const s of servers) await s.close();
      await built.close();
      await daemon.stop();
      for (const r of daemon.runners()) killPidfile(r.service.pidfile);
      await tmp.cleanup();
    },
  };
  return fixture;
}

/** Kills the process a pidfile names, if any (what our start programs started). */
export function killPidfile(pidfile: string | undefined): void {
  if (!pidfile) return;
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    // No pidfile, or already gone.
  }
}
