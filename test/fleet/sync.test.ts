// How `brokerwatch fleet` knows the retained messages are all in: after the SUBACK it publishes a
// marker under PREFIX/$sync/, which mosquitto queues behind every retained message. On a fake clock the
// marker ends the collection with no time passing (the quiet timer never fires); a broker whose ACL
// denies the publish (mosquitto acl_file) ends it by the quiet timer, exactly QUIET_MS after the last
// message, with everything in. The marker is never shown as a daemon.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { FleetView } from '../../src/cli/fleet-view.js';
import type { FleetReport } from '../../src/cli/fleet-view.js';
import { QUIET_MS, openFleet } from '../../src/fleet/reader.js';
import type { Collected, FleetSource } from '../../src/fleet/reader.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, testDir } from '../daemon/harness.js';

const PREFIX = 'brokerwatch';
const DAEMONS = 40;
const SERVICES = ['mosquitto', 'bridge-cloud', 'persistence-db'];
/** The ACL broker's user allowed to write the fleet (the anonymous reader may only read). */
const WRITER = 'writer';

/** Publishes DAEMONS daemons, online, with their services ok, retained. */
async function seed(port: number): Promise<void> {
  const c = await connectAsync({ host: '127.0.0.1', port, username: WRITER, reconnectPeriod: 0 });
  try {
    for (let i = 0; i < DAEMONS; i++) {
      const name = `edge-${String(i).padStart(2, '0')}`;
      await c.publishAsync(`${PREFIX}/${name}/status`, 'online', { retain: true, qos: 1 });
      for (const s of SERVICES) {
        const dto = { name: s, type: 'process', status: 'ok', monitor: 'monitored', checks: [] };
        await c.publishAsync(`${PREFIX}/${name}/service/${s}`, JSON.stringify(dto), { retain: true, qos: 1 });
      }
    }
  } finally {
    await c.endAsync();
  }
}

function source(port: number): FleetSource {
  return {
    where: `mqtt://127.0.0.1:${port}`,
    prefix: PREFIX,
    timeoutMs: 5_000,
    options: { protocol: 'mqtt', host: '127.0.0.1', port, clean: true, connectTimeout: 5_000 },
  };
}

function counts(r: FleetReport): { daemons: number; online: number; services: number } {
  return {
    daemons: r.daemons.length,
    online: r.daemons.filter((d) => d.status === 'online').length,
    services: r.daemons.reduce((n, d) => n + d.services.length, 0),
  };
}

const ALL = { daemons: DAEMONS, online: DAEMONS, services: DAEMONS * SERVICES.length };

function fleetCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROKERWATCH, 'fleet', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

void describe('the end of the retained messages', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  let open: RunningMosquitto;
  let guarded: RunningMosquitto;

  before(async () => {
    const dir = await testDir(cleanup, 'brokerwatch-fleet-sync-');
    const aclFile = join(dir, 'acl');
    // Anonymous clients (the fleet reader) may read the fleet and publish nothing.
    await writeFile(aclFile, `topic read ${PREFIX}/#\n\nuser ${WRITER}\ntopic readwrite ${PREFIX}/#\n`, {
      mode: 0o600,
    });
    [open, guarded] = await Promise.all([
      startMosquitto(),
      // `log_type all`: the log says when a publish was denied.
      startMosquitto({ aclFile, extraConfig: ['log_type all'] }),
    ]);
    cleanup.add(() => Promise.all([open.stop(), guarded.stop()]));
    await Promise.all([seed(open.port), seed(guarded.port)]);
  });
  after(() => cleanup.run());

  void test('the marker ends the collection with no time passing, every message in', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    const view = new FleetView(PREFIX);
    const reader = openFleet(source(open.port), view, false, clock);
    try {
      let result: Collected | undefined;
      void reader.collected.then((r) => (result = r));
      await waitFor(() => result, { timeoutMs: 10_000, message: 'the marker never came back' });
      assert.deepEqual(result, { ok: true, by: 'marker' });
      assert.equal(clock.now(), started, 'no virtual time passed: the quiet timer could not have ended it');
      assert.equal(clock.pending, 0, 'the quiet timer and the deadline are cancelled');
      assert.deepEqual(counts(view.report()), ALL);
      assert.ok(!view.report().daemons.some((d) => d.name.startsWith('$')), 'the marker is no daemon');
    } finally {
      await reader.close();
    }
  });

  void test('an ACL denying the publish: the quiet timer ends it, QUIET_MS after the last message', async () => {
    const clock = new FakeClock();
    const view = new FleetView(PREFIX);
    const reader = openFleet(source(guarded.port), view, false, clock);
    try {
      let result: Collected | undefined;
      void reader.collected.then((r) => (result = r));
      // The marker was published after the SUBACK and dropped: every retained message was queued before.
      await waitFor(
        async () => /Denied PUBLISH from \S+ .*'brokerwatch\/\$sync\//.test(await readFile(guarded.logFile, 'utf8')),
        { timeoutMs: 10_000, message: 'the broker never denied the marker' },
      );
      await waitFor(() => counts(view.report()).services === ALL.services, {
        timeoutMs: 10_000,
        message: 'the retained messages never all came',
      });
      // Every message came at virtual time 0; the quiet timer is due at QUIET_MS, not before.
      await clock.advance(QUIET_MS - 1);
      assert.equal(result, undefined, 'ended before the quiet time without the marker');
      await clock.advance(1);
      assert.deepEqual(result, { ok: true, by: 'quiet' });
      assert.deepEqual(counts(view.report()), ALL);
    } finally {
      await reader.close();
    }
  });

  void test('brokerwatch fleet prints every daemon, and never the marker, with and without the ACL', async () => {
    for (const broker of [open, guarded]) {
      const json = await fleetCli('--broker', `mqtt://127.0.0.1:${broker.port}`, '--json');
      assert.equal(json.code, 0, json.stderr);
      assert.ok(!json.stdout.includes('$sync'), json.stdout);
      const j = JSON.parse(json.stdout) as FleetReport;
      assert.deepEqual(counts(j), ALL);
      const table = await fleetCli('--broker', `mqtt://127.0.0.1:${broker.port}`);
      assert.equal(table.code, 0, table.stderr);
      assert.ok(!table.stdout.includes('$sync'), table.stdout);
      assert.match(table.stdout, new RegExp(`^${DAEMONS} daemons \\(0 not online\\), ${ALL.services} services`, 'm'));
    }
  });

  void test("another reader's marker, or anything under PREFIX/$sync/, is no daemon", () => {
    const view = new FleetView(PREFIX);
    assert.equal(view.apply(`${PREFIX}/$sync/0123456789abcdef`, Buffer.from('')), false);
    assert.equal(view.apply(`${PREFIX}/$sync/status`, Buffer.from('online')), false);
    assert.equal(view.apply(`${PREFIX}/$sync/service/x`, Buffer.from('{"name":"x","status":"ok"}')), false);
    assert.deepEqual(view.report().daemons, []);
  });
});
