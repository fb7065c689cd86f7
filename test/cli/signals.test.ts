// SIGUSR1 is monit's wake-up (`monit -c FILE` sends it to the pidfile's PID). A Node process with no
// handler for it opens the inspector on 127.0.0.1:9229, where any local user can run code in the
// daemon. brokerwatch -I and the demo broker must take the signal, stay up, keep serving, and open
// no listening socket; the sockets are read from /proc (the process's socket inodes against
// /proc/net/tcp{,6}), so another program on port 9229 cannot confuse the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildDaemon, Cleanup, linesOf } from '../daemon/harness.js';
import { mqttConnackMs } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const USER = 'admin:usr1-test';

/** Local ports `pid` listens on (TCP, v4 and v6). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // Closed while we looked.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (HEX_IP:HEX_PORT), st f[3] (0A = LISTEN), inode f[9].
      if (f[3] === '0A' && f[9] !== undefined && inodes.has(f[9]))
        ports.push(parseInt(f[1]?.split(':').pop() ?? '', 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

async function get(url: string): Promise<number> {
  const r = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(USER).toString('base64')}` } });
  await r.arrayBuffer();
  return r.status;
}

void describe('SIGUSR1', () => {
  const cleanup = new Cleanup();
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('bw-usr1-');
    cleanup.add(() => dir.cleanup());
  });
  after(() => cleanup.run());

  void test("the handler comes before any other module's code: wake.js is the command's first import", () => {
    const main = readFileSync(fileURLToPath(new URL('../../src/cli/main.js', import.meta.url)), 'utf8');
    const imports = main.split('\n').filter((l) => /^import\b/.test(l));
    assert.equal(imports[0], "import './wake.js';");
  });

  void test('brokerwatch -I takes it: still running, still serving, no new listening socket', async () => {
    const port = await freePort();
    const rules = join(dir.path, 'daemon.rc');
    await writeFile(
      rules,
      [
        'set daemon 60',
        `set statefile ${join(dir.path, 'state.json')}`,
        `set eventqueue basedir ${join(dir.path, 'events')}`,
        `set httpd port ${port} address 127.0.0.1`,
        `  allow ${USER}`,
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const d = await ChildDaemon.start(rules, cleanup);
    const status = `http://127.0.0.1:${port}/api/v1/status`;
    await waitFor(
      () =>
        get(status)
          .then((s) => s === 200)
          .catch(() => false),
      { timeoutMs: 10_000, message: 'the API never answered' },
    );
    assert.deepEqual(listeningPorts(d.pid), [port]);

    for (let i = 0; i < 3; i++) {
      process.kill(d.pid, 'SIGUSR1');
      // Each answer comes after the daemon ran again, and so after the signal reached it.
      assert.equal(await get(status), 200);
    }
    assert.equal(await get(status), 200);
    assert.ok(d.running, `brokerwatch ended: ${d.stderr}`);
    // "Debugger listening on …", or "Starting inspector … failed" when another process holds 9229.
    assert.doesNotMatch(d.stderr, /debugger|inspector/i);
    assert.deepEqual(listeningPorts(d.pid), [port], 'SIGUSR1 opened a listening socket');
  });

  void test('brokerwatch -I: it runs a cycle of every service now, as monit does', async () => {
    const port = await freePort();
    const ticks = join(dir.path, 'ticks');
    const script = join(dir.path, 'tick.sh');
    await writeFile(script, `#!/bin/sh\necho tick >> ${ticks}\n`, { mode: 0o755 });
    const rules = join(dir.path, 'wake.rc');
    await writeFile(
      rules,
      [
        'set daemon 3600',
        `set statefile ${join(dir.path, 'wake-state.json')}`,
        `set eventqueue basedir ${join(dir.path, 'wake-events')}`,
        `set httpd port ${port} address 127.0.0.1`,
        `  allow ${USER}`,
        `check program tick with path "${script}"`,
        '  if status != 0 then alert',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const d = await ChildDaemon.start(rules, cleanup);
    // The first cycle is over (not only its program's line written): a wake-up during a running
    // cycle is skipped, as monit skips it.
    const api = `http://127.0.0.1:${port}/api/v1/services/tick`;
    const checked = async (): Promise<boolean> => {
      const r = await fetch(api, { headers: { authorization: `Basic ${Buffer.from(USER).toString('base64')}` } });
      if (!r.ok) return false;
      const body = (await r.json()) as { service: { lastCheckAt: number | null } };
      return typeof body.service.lastCheckAt === 'number';
    };
    await waitFor(() => checked().catch(() => false), { timeoutMs: 10_000, message: 'the first cycle never ended' });
    const before = linesOf(ticks).length;
    assert.equal(before, 1);
    process.kill(d.pid, 'SIGUSR1');
    await waitFor(() => linesOf(ticks).length > before, {
      timeoutMs: 10_000,
      message: 'SIGUSR1 ran no cycle (the next is an hour away)',
    });
    assert.ok(d.running);
  });

  void test('the demo broker takes it too', async () => {
    const port = await freePort();
    const broker = fileURLToPath(new URL('../../demo/broker.js', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      [broker, '--foreground', '--host', '127.0.0.1', '--port', String(port)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    cleanup.add(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
    const pid = child.pid ?? 0;
    await waitFor(() => /listening on/.test(output) && listeningPorts(pid).includes(port), {
      timeoutMs: 10_000,
      message: `the demo broker never listened: ${output}`,
    });
    process.kill(pid, 'SIGUSR1');
    // A CONNACK comes from the running broker, so after the signal reached it.
    assert.equal(await mqttConnackMs(port, 5_000).then(() => 'served'), 'served');
    assert.equal(child.exitCode, null, output);
    assert.equal(child.signalCode, null, output);
    assert.doesNotMatch(output, /debugger|inspector/i);
    assert.deepEqual(listeningPorts(pid), [port], 'SIGUSR1 opened a listening socket');
  });
});
