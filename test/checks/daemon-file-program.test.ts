// `check file` and `check program` end to end: the built CLI runs as a daemon on a rules file in a
// temporary folder, the file is changed and the program made to fail, and the HTTP status API
// (basic auth) shows the rule failing and the event that said so, then the recovery.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { BROKERWATCH as MAIN } from '../helpers/cli.js';

const LIMIT = { timeout: 90_000 };
const AUTH = `Basic ${Buffer.from('admin:pw').toString('base64')}`;

interface CheckView {
  readonly rule: string;
  readonly test: string;
  readonly status: string;
  readonly class: string | null;
  readonly message: string;
}
interface ServiceView {
  readonly name: string;
  readonly status: string;
  readonly checks: readonly CheckView[];
}
interface EventView {
  readonly service: string;
  readonly type: string;
  readonly state: string;
  readonly message: string;
}

/** A daemon started from the built CLI on RULES, and its HTTP API. */
class Daemon {
  stderr = '';
  constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    child.stdout?.resume();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async get<T>(path: string): Promise<T> {
    if (!this.running) throw new Error(`brokerwatch exited (${this.child.exitCode}): ${this.stderr}`);
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { headers: { authorization: AUTH } });
    assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  async service(name: string): Promise<ServiceView> {
    const status = await this.get<{ services: ServiceView[] }>('/api/v1/status');
    const s = status.services.find((x) => x.name === name);
    assert.ok(s, `service ${name} in the status`);
    return s;
  }

  async events(): Promise<EventView[]> {
    return (await this.get<{ events: EventView[] }>('/api/v1/events?limit=100')).events;
  }

  /** Polls the status until CHECK of service NAME has STATUS; resolves with that check. */
  async until(name: string, rule: (c: CheckView) => boolean, status: string, timeoutMs = 30_000): Promise<CheckView> {
    let last = '';
    return waitFor(
      async () => {
        const c = (await this.service(name).catch(() => undefined))?.checks.find(rule);
        last = c ? `${c.status} ${c.message}` : 'no such check yet';
        return c?.status === status ? c : undefined;
      },
      { timeoutMs, intervalMs: 100, message: `${name}: never ${status} (last: ${last})` },
    );
  }

  /** Polls the event list until one matches. */
  async event(pred: (e: EventView) => boolean, what: string, timeoutMs = 30_000): Promise<EventView> {
    return waitFor(async () => (await this.events().catch(() => [])).find(pred), {
      timeoutMs,
      intervalMs: 100,
      message: `no event: ${what}`,
    });
  }
}

let dir: TempDir;
const daemons: Daemon[] = [];
before(async () => {
  dir = await tempDir('bw-daemon-fp-');
});
after(async () => {
  // TERM first, so the daemon ends a program it is running (a `sleep 60`) with itself; KILL if it hangs.
  for (const d of daemons) {
    if (!d.running || d.child.pid === undefined) continue;
    const exited = once(d.child, 'exit');
    process.kill(d.child.pid, 'SIGTERM');
    const timer = setTimeout(
      () => d.running && d.child.pid !== undefined && process.kill(d.child.pid, 'SIGKILL'),
      10_000,
    );
    await exited;
    clearTimeout(timer);
  }
  await dir.cleanup();
});

/** Writes RULES (0600, as brokerwatch demands) with a daemon cycle of 1 s and an API, and starts it. */
async function startDaemon(name: string, rules: readonly string[]): Promise<Daemon> {
  const port = await freePort();
  const file = join(dir.path, `${name}.rc`);
  const text = [
    'set daemon 1',
    `set httpd port ${port} address 127.0.0.1 allow admin:pw`,
    `set statefile ${join(dir.path, `${name}.state`)}`,
    ...rules,
    '',
  ].join('\n');
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
  const child = spawn(process.execPath, [MAIN, '-I', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir.path });
  const d = new Daemon(child, port);
  daemons.push(d);
  await once(child, 'spawn');
  // A test process that dies must not leave a daemon behind.
  process.once('exit', () => {
    if (d.running && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  await waitFor(
    async () => {
      if (!d.running) throw new Error(`brokerwatch exited (${child.exitCode}): ${d.stderr}`);
      return fetch(`http://127.0.0.1:${port}/api/v1/status`, { headers: { authorization: AUTH } })
        .then((r) => r.ok)
        .catch(() => false);
    },
    { timeoutMs: 20_000, intervalMs: 100, message: 'the API never answered' },
  );
  return d;
}

void describe('check file, run by the daemon', () => {
  void test(
    'a changed checksum and a grown file fail their rules and raise events; a fixed size recovers',
    LIMIT,
    async () => {
      const conf = join(dir.path, 'mosquitto.conf');
      await writeFile(conf, 'listener 1883\n');
      const d = await startDaemon('file', [
        `check file conf with path ${conf}`,
        '  if changed checksum then alert',
        '  if size > 100 B then alert',
        '  if does not exist then alert',
      ]);
      await d.until('conf', (c) => c.test === 'changed', 'ok');
      const size = await d.until('conf', (c) => c.test === 'size', 'ok');
      assert.match(size.message, /is 14 B/);

      await writeFile(conf, `listener 1884\n${'#'.repeat(200)}\n`);
      const changed = await d.until('conf', (c) => c.test === 'changed', 'failed');
      assert.match(changed.message, /checksum changed/);
      const big = await d.until('conf', (c) => c.test === 'size', 'failed');
      assert.equal(big.class, 'file');
      assert.match(big.message, /is 215 B/);
      await d.event((e) => e.service === 'conf' && e.type === 'size' && e.state === 'failed', 'size failed');
      await d.event((e) => e.service === 'conf' && e.type === 'checksum' && e.state === 'changed', 'checksum changed');
      assert.equal((await d.service('conf')).status, 'failed');

      await writeFile(conf, 'listener 1883\n');
      await d.until('conf', (c) => c.test === 'size', 'ok');
      await d.event((e) => e.service === 'conf' && e.type === 'size' && e.state === 'succeeded', 'size succeeded');
    },
  );

  void test('a file that disappears fails `does not exist`, and comes back', LIMIT, async () => {
    const f = join(dir.path, 'persist.db');
    await writeFile(f, 'x');
    const d = await startDaemon('exist', [`check file db with path ${f}`, '  if does not exist then alert']);
    await d.until('db', (c) => c.test === 'nonexist', 'ok');
    const { rm } = await import('node:fs/promises');
    await rm(f);
    const gone = await d.until('db', (c) => c.test === 'nonexist', 'failed');
    assert.match(gone.message, /does not exist/);
    await d.event((e) => e.service === 'db' && e.type === 'nonexist' && e.state === 'failed', 'nonexist failed');
    await writeFile(f, 'y');
    await d.until('db', (c) => c.test === 'nonexist', 'ok');
  });
});

void describe('check program, run by the daemon', () => {
  void test('a program that starts failing fails `status != 0` and `changed status`, and recovers', LIMIT, async () => {
    const flag = join(dir.path, 'exit-code');
    await writeFile(flag, '0');
    const d = await startDaemon('program', [
      `check program probe with path "/bin/sh -c 'exit $(cat ${flag})'" with timeout 10 seconds`,
      '  if status != 0 then alert',
      '  if changed status then alert',
    ]);
    const ok = await d.until('probe', (c) => c.test === 'status', 'ok');
    assert.match(ok.message, /exit status 0/);

    await writeFile(flag, '3');
    const failed = await d.until('probe', (c) => c.test === 'status', 'failed');
    assert.equal(failed.class, 'program-status');
    assert.match(failed.message, /exit status 3/);
    await d.event((e) => e.service === 'probe' && e.type === 'status' && e.state === 'failed', 'status failed');
    await d.event((e) => e.service === 'probe' && e.type === 'status' && e.state === 'changed', 'status changed');

    await writeFile(flag, '0');
    await d.until('probe', (c) => c.test === 'status', 'ok');
    await d.event((e) => e.service === 'probe' && e.type === 'status' && e.state === 'succeeded', 'status succeeded');
  });

  void test('a program that outlives its timeout is killed and fails with status 255', LIMIT, async () => {
    const d = await startDaemon('timeout', [
      'check program slow with path "/bin/sleep 60" with timeout 1 seconds',
      '  if status != 0 then alert',
    ]);
    const failed = await d.until('slow', (c) => c.test === 'status', 'failed');
    assert.match(failed.message, /exit status 255/);
    await d.event((e) => e.service === 'slow' && e.type === 'status' && e.state === 'failed', 'status failed');
  });
});
