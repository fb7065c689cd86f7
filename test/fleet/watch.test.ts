// `brokerwatch fleet --watch --json` prints a line per change; a reload that removes a service clears
// its retained status (the fleet forgets it) and one that adds a service publishes it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseRules } from '../../src/config/loader.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, signal, startInProcess, testDir } from '../daemon/harness.js';
import type { InProcess } from '../daemon/harness.js';

interface Line {
  readonly ok: boolean;
  readonly daemons: ReadonlyArray<{ name: string; status: string; services: Array<{ name: string; status: string }> }>;
}

function rules(dir: string, port: number, programs: readonly string[]): string {
  return [
    'set daemon 1 second',
    `set statefile ${join(dir, 'delta.state.json')}`,
    `set fleet mqtt://127.0.0.1:${port} name "delta"`,
    ...programs.flatMap((p) => [`check program ${p} with path "/bin/true"`, '  if status != 0 then alert']),
    '',
  ].join('\n');
}

void describe('brokerwatch fleet --watch', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  let broker: RunningMosquitto;
  let daemon: InProcess;
  let dir: string;
  let watcher: ChildProcess;
  const lines: Line[] = [];

  before(async () => {
    dir = await testDir(cleanup, 'brokerwatch-fleet-watch-');
    broker = await startMosquitto();
    cleanup.add(() => broker.stop());
    daemon = await startInProcess(join(dir, 'delta.rc'), rules(dir, broker.port, ['one', 'two']), cleanup);
  });
  after(() => cleanup.run());

  const services = (l: Line | undefined): string[] =>
    (l?.daemons.find((d) => d.name === 'delta')?.services ?? []).map((s) => `${s.name}:${s.status}`).sort();

  void test('prints the fleet, then again on each change, as JSON lines', async () => {
    // The first cycles have run: both services are ok before the watch starts.
    await waitFor(() => daemon.daemon.runners().every((r) => r.state.status === 'ok'), { message: 'not ok' });
    watcher = spawn(
      process.execPath,
      [BROKERWATCH, 'fleet', '--broker', `mqtt://127.0.0.1:${broker.port}`, '--json', '--watch'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const pid = watcher.pid;
    const exited = once(watcher, 'exit');
    cleanup.add(async () => {
      if (pid !== undefined && watcher.exitCode === null && watcher.signalCode === null) {
        signal(pid, 'SIGKILL');
        await exited;
      }
    });
    let buffered = '';
    watcher.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') lines.push(JSON.parse(p) as Line);
    });
    await waitFor(() => services(lines.at(-1)).join(' ') === 'one:ok two:ok', {
      timeoutMs: 15_000,
      message: `the first print: ${JSON.stringify(lines)}`,
    });
    assert.equal(lines.at(-1)?.ok, true);

    const printed = lines.length;
    const { config } = await parseRules(rules(dir, broker.port, ['one', 'three']), join(dir, 'delta.rc'));
    await daemon.daemon.reload(config);
    await waitFor(() => services(lines.at(-1)).join(' ') === 'one:ok three:ok', {
      timeoutMs: 15_000,
      message: `no print without 'two' and with 'three': ${JSON.stringify(lines.slice(printed))}`,
    });
    assert.ok(lines.length > printed, 'printed again');
    assert.equal(watcher.exitCode, null, 'still watching');
  });

  void test('a daemon started again without a service clears the status its earlier run left', async () => {
    await daemon.daemon.stop();
    await waitFor(() => lines.at(-1)?.daemons.find((d) => d.name === 'delta')?.status === 'offline', {
      timeoutMs: 15_000,
      message: 'delta never offline after its stop',
    });
    const printed = lines.length;
    const again = await startInProcess(join(dir, 'delta.rc'), rules(dir, broker.port, ['one']), cleanup);
    await waitFor(() => again.daemon.runners().every((r) => r.state.status === 'ok'), { message: 'not ok' });
    await waitFor(
      () => {
        const d = lines.at(-1)?.daemons.find((x) => x.name === 'delta');
        return d?.status === 'online' && services(lines.at(-1)).join(' ') === 'one:ok';
      },
      { timeoutMs: 15_000, message: `'three' still shown: ${JSON.stringify(lines.slice(printed))}` },
    );
  });
});
