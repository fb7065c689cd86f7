// The CLI verbs against a real in-process daemon with its HTTP server on a free port: `brokerwatch
// -c FILE VERB` runs as a child process, finds address, port and users in the rules file, prints
// monit-style text or the API's JSON, and exits 0, 1, 2 (usage), 3 (not running), 4 (refused) or 5
// (unknown service). No password it read ever shows in its output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { StatusDto } from '../../src/api/contract.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from '../http/fixture.js';
import { ADMIN, GUEST, sleeperBlock, startFixture } from '../http/fixture.js';
import { BROKERWATCH as MAIN } from '../helpers/cli.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const outputs: string[] = [];

async function cli(file: string, ...args: string[]): Promise<Run> {
  const r = await execa(process.execPath, [MAIN, '-c', file, ...args], {
    reject: false,
    timeout: 20_000,
    env: { BROKERWATCH_LOG_LEVEL: 'silent' },
  });
  outputs.push(`${r.stdout}\n${r.stderr}`);
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function rules(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${text}\n`, { mode: 0o600 });
  return file;
}

void describe('brokerwatch CLI verbs', () => {
  let f: Fixture;
  let port: number;
  let file: string;
  before(async () => {
    port = await freePort();
    f = await startFixture((dir) =>
      [
        `set httpd port ${port} address 127.0.0.1`,
        `  allow ${GUEST.user}:${GUEST.password} read-only`,
        `  allow ${ADMIN.user}:${ADMIN.password}`,
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    await f.listen(port);
    file = f.rulesFile;
    await waitFor(() => f.daemon.runner('sleeper')?.state.status === 'ok', {
      timeoutMs: 10_000,
      message: 'the sleeper never ran',
    });
  });
  after(() => f.close());

  void test('status: monit-style text, one service or all; --json prints the API', async () => {
    const all = await cli(file, 'status');
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^brokerwatch \d+\.\d+\.\d+ uptime: /);
    assert.match(all.stdout, /^Process 'sleeper'\n {2}status {23}OK$/m);
    const one = await cli(file, 'status', 'sleeper');
    assert.equal(one.code, 0);
    assert.match(one.stdout, /Process 'sleeper'/);
    const json = await cli(file, 'status', '--json');
    assert.equal(json.code, 0);
    const s = JSON.parse(json.stdout) as StatusDto;
    assert.equal(s.services[0]?.name, 'sleeper');
    assert.equal(s.daemon.rulesFile, f.rulesFile);
    const oneJson = JSON.parse((await cli(file, 'status', 'sleeper', '--json')).stdout) as {
      service: { name: string };
    };
    assert.equal(oneJson.service.name, 'sleeper');
  });

  void test('summary and report', async () => {
    const sum = await cli(file, 'summary');
    assert.equal(sum.code, 0);
    assert.match(sum.stdout, /│ Service Name +│ Status +│ Type +│/);
    assert.match(sum.stdout, /│ sleeper +│ OK +│ Process +│/);
    assert.deepEqual(JSON.parse((await cli(file, 'summary', '--json')).stdout), {
      services: [{ name: 'sleeper', status: 'ok', monitor: 'monitored', type: 'process' }],
    });
    const rep = await cli(file, 'report');
    assert.match(rep.stdout, /^up: +1 \(100\.0%\)$/m);
    assert.equal((await cli(file, 'report', 'up')).stdout, '1');
    assert.deepEqual(JSON.parse((await cli(file, 'report', 'down', '--json')).stdout), { down: 0 });
    assert.equal((await cli(file, 'report', 'sideways')).code, 2);
  });

  void test('unknown service: exit 5, as text or JSON', async () => {
    const r = await cli(file, 'status', 'nope');
    assert.equal(r.code, 5);
    assert.match(r.stderr, /^brokerwatch: no service named 'nope'$/m);
    const j = await cli(file, 'restart', 'nope', '--json');
    assert.equal(j.code, 5);
    assert.equal((JSON.parse(j.stdout) as { error: { code: string } }).error.code, 'BW_UNKNOWN_SERVICE');
    assert.equal((await cli(file, 'summary', 'nope')).code, 5);
  });

  void test('restart, stop, start, unmonitor, monitor act through the daemon', async () => {
    const r = f.daemon.runner('sleeper');
    const before = r?.identity?.pid;
    assert.ok(before);
    const restart = await cli(file, 'restart', 'sleeper');
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, /^restart of 'sleeper' requested \(action \d+\); see `brokerwatch status sleeper`$/m);
    await waitFor(() => r?.identity?.pid !== before && r?.state.inFlight === undefined && r?.isRunning(), {
      timeoutMs: 15_000,
      message: 'no restart',
    });
    assert.equal((await cli(file, 'stop', 'sleeper')).code, 0);
    await waitFor(() => r?.state.monitor === 'not-monitored' && !r.isRunning(), {
      timeoutMs: 15_000,
      message: 'no stop',
    });
    assert.equal((await cli(file, 'start', 'sleeper')).code, 0);
    await waitFor(() => r?.state.monitor !== 'not-monitored' && r?.isRunning() && r.state.inFlight === undefined, {
      timeoutMs: 15_000,
      message: 'no start',
    });
    const un = await cli(file, 'unmonitor', 'all', '--json');
    assert.equal(un.code, 0);
    assert.deepEqual((JSON.parse(un.stdout) as { services: string[] }).services, ['sleeper']);
    assert.equal(r?.state.monitor, 'not-monitored');
    const mon = await cli(file, 'monitor', 'all');
    assert.match(mon.stdout, /^monitor of all services \(1\) requested/);
    assert.notEqual(r?.state.monitor, 'not-monitored');
  });

  void test('reload and quit', async () => {
    const ok = await cli(file, 'reload');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'rules reloaded: 1 services');
    f.reloadResult = { ok: false, errors: [`${file}:3:9: expected a port number, found 'x'`] };
    const refused = await cli(file, 'reload');
    f.reloadResult = { ok: true };
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`old rules keep running.*\\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:9\\)`),
    );
    const quits = f.quits.length;
    const q = await cli(file, 'quit');
    assert.equal(q.code, 0);
    assert.match(q.stdout, /stopping/);
    await waitFor(() => f.quits.length === quits + 1, { message: 'quit not called' });
  });

  void test('credentials: a wrong password exits 4, a read-only user may read but not act', async () => {
    const wrong = await rules(
      f.dir,
      'wrong.rc',
      `set httpd port ${port} address 127.0.0.1 allow ${ADMIN.user}:not-the-password`,
    );
    const r = await cli(wrong, 'status');
    assert.equal(r.code, 4);
    assert.match(r.stderr, /refused user 'admin'/);
    const readOnly = await rules(
      f.dir,
      'guest.rc',
      `set httpd port ${port} address 127.0.0.1 allow ${GUEST.user}:${GUEST.password} read-only`,
    );
    assert.equal((await cli(readOnly, 'summary')).code, 0);
    const act = await cli(readOnly, 'restart', 'sleeper');
    assert.equal(act.code, 4);
    assert.match(act.stderr, /read-only/);
  });

  void test('no daemon: exit 3 with the address; no httpd in the rules: exit 3', async () => {
    const dead = await freePort();
    const file2 = await rules(f.dir, 'dead.rc', `set httpd port ${dead} allow admin:x`);
    const r = await cli(file2, 'status');
    assert.equal(r.code, 3);
    assert.equal(
      r.stderr.trim(),
      `brokerwatch: brokerwatch is not running at http://127.0.0.1:${dead} (connection refused)`,
    );
    const j = await cli(file2, 'summary', '--json');
    assert.equal(j.code, 3);
    assert.equal((JSON.parse(j.stdout) as { error: { code: string } }).error.code, 'BW_NOT_RUNNING');
    const none = await rules(f.dir, 'nohttpd.rc', 'set daemon 10');
    const n = await cli(none, 'status');
    assert.equal(n.code, 3);
    assert.match(n.stderr, /no 'set httpd/);
  });

  void test('usage errors exit 2', async () => {
    assert.equal((await cli(file, 'start')).code, 2, 'missing NAME');
    assert.equal((await cli(file, 'status', 'a', 'b')).code, 2, 'too many arguments');
    assert.equal((await cli(file, 'frobnicate')).code, 2, 'unknown verb');
    assert.equal((await cli(file, 'status', '--bogus')).code, 2, 'unknown option');
    const help = await cli(file, 'status', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--json/);
  });

  void test('nothing the CLI printed holds a password', () => {
    assert.ok(outputs.length > 20);
    for (const o of outputs) {
      assert.ok(!o.includes(ADMIN.password) && !o.includes(GUEST.password), o);
    }
  });
});
