// A `check system` service in a running daemon on a fake clock: its rates count cycles, its reboot
// action runs the reboot program (a script that records its call), and every status output shows the
// host's readings: JSON facts, the page, monit's XML (System, type 5) and text, Prometheus gauges.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceDto, StatusDto } from '../../src/http/dto.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';
import { child, parseXml } from './xml.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };

void describe('check system in the daemon', () => {
  let f: Fixture;
  const clock = new FakeClock();
  const cycles = (name: string): number => f.daemon.runner(name)?.status().lastCheckAt ?? 0;
  const quiet = (): boolean => f.daemon.runners().every((r) => !r.busy);
  const status = async (): Promise<StatusDto> => (await f.inject({ url: '/api/v1/status', headers: auth })).json();
  const svc = async (name: string): Promise<ServiceDto> => {
    const s = (await status()).services.find((x) => x.name === name);
    assert.ok(s, name);
    return s;
  };

  before(async () => {
    f = await startFixture(
      (dir) =>
        [
          httpdBlock(),
          `set reboot program = "${join(dir, 'reboot.sh')} --now"`,
          'check system host',
          // Never true: the host is fine.
          '  if loadavg (1min) > 10000 then alert',
          // Always true, acted on only at the third cycle in a row.
          '  if memory usage > 0% for 3 cycles then alert',
          'check system doomed',
          '  if loadavg (15min) < 10000 for 2 cycles then reboot',
        ].join('\n'),
      {},
      clock,
    );
    await writeFile(join(f.dir, 'reboot.sh'), `#!/bin/sh\necho "$@" >> '${join(f.dir, 'rebooted')}'\n`);
    await chmod(join(f.dir, 'reboot.sh'), 0o755);
  });
  after(() => f?.close());

  void test('for N cycles: failed only at the Nth cycle in a row; reboot runs the reboot program', async () => {
    const rebooted = join(f.dir, 'rebooted');
    let seen = 0;
    const nextCycle = async (): Promise<void> => {
      const before = cycles('host');
      await clock.runUntil(() => cycles('host') > before && cycles('doomed') > seen, { quiet, message: 'a cycle' });
      seen = cycles('doomed');
    };
    await nextCycle();
    assert.equal((await svc('host')).status, 'ok', 'one cycle of three');
    assert.equal(existsSync(rebooted), false, 'one cycle of two: no reboot yet');
    await nextCycle();
    await waitFor(() => existsSync(rebooted), { message: 'the reboot program never ran' });
    assert.equal(readFileSync(rebooted, 'utf8'), '--now\n');
    assert.equal((await svc('host')).status, 'ok', 'two cycles of three');
    await nextCycle();
    const host = await svc('host');
    assert.equal(host.status, 'failed');
    assert.equal(host.failure?.type, 'resource');
    assert.match(host.failure?.message ?? '', /^memory usage [\d.]+%/);
    const events = (await f.inject({ url: '/api/v1/events', headers: auth })).json<{
      events: { service: string; action: string }[];
    }>();
    assert.ok(events.events.some((e) => e.service === 'doomed' && e.action === 'reboot'));
  });

  void test('JSON: the readings as facts; the page shows them', async () => {
    const host = await svc('host');
    assert.equal(host.type, 'system');
    const facts = host.facts ?? {};
    for (const k of ['load1', 'load5', 'load15', 'cores', 'memoryPercent', 'swapPercent', 'uptimeSeconds'])
      assert.equal(typeof facts[k], 'number', k);
    // A cpu share from the second cycle on.
    assert.equal(typeof facts['cpuUsage'], 'number');
    const page = await f.inject({ url: '/', headers: auth });
    assert.match(page.body, /<summary>readings<\/summary>.*<td>load1<\/td>/s);
  });

  void test("monit's XML: the System service (type 5) with load, cpu, memory and swap, no made-up one", async () => {
    const root = parseXml((await f.inject({ url: '/_status?format=xml', headers: auth })).body);
    const systems = root.children.filter((c) => c.name === 'service' && c.attrs['type'] === '5');
    assert.deepEqual(
      systems.map((s) => child(s, 'name')?.text),
      ['host', 'doomed'],
    );
    const host = systems[0];
    assert.ok(host);
    const sys = child(host, 'system');
    assert.ok(sys);
    assert.deepEqual(
      sys.children.map((c) => c.name),
      ['load', 'cpu', 'memory', 'swap'],
    );
    assert.ok(Number(child(child(sys, 'load'), 'avg01')?.text) >= 0);
    assert.equal(child(host, 'status')?.text, String(0x2), 'resource bit of the failed memory rule');
  });

  void test("monit's text status and Prometheus gauges", async () => {
    const text = (await f.inject({ url: '/_status', headers: auth })).body;
    assert.match(text, /^System 'host'$/m);
    assert.match(text, /^ {2}load average {17}\[[\d.]+\] \[[\d.]+\] \[[\d.]+\]$/m);
    assert.match(text, /^ {2}memory usage {17}[\d.]+ [kMG]?B \[[\d.]+%\]$/m);
    const metrics = (await f.inject({ url: '/metrics', headers: auth })).body;
    assert.match(metrics, /^brokerwatch_system_load\{service="host",period="1m"\} [\d.]+$/m);
    assert.match(metrics, /^brokerwatch_system_memory_percent\{service="host"\} [\d.]+$/m);
    assert.match(metrics, /^brokerwatch_system_cpu_percent\{service="host",kind="usage"\} [\d.]+$/m);
  });
});
