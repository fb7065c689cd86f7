// A large fleet on a stock mosquitto: 250 daemons × 5 services, 1,500 retained messages, more than
// the 1,020 mosquitto hands one QoS 1 subscriber at once (20 in flight, 1,000 queued, the rest
// dropped). `brokerwatch fleet --json` (the shipped bundle) must print every one of them, and the
// marker that ends the collection must come back after the last of them, with no quiet time waited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connectAsync } from 'mqtt';
import { FleetView } from '../../src/cli/fleet-view.js';
import { openFleet } from '../../src/fleet/reader.js';
import type { Collected } from '../../src/fleet/reader.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';

const DAEMONS = 250;
const SERVICES = ['mosquitto', 'mosquitto-tls', 'bridge-cloud', 'persistence-db', 'sys-clients'];

interface FleetJson {
  readonly ok: boolean;
  readonly daemons: ReadonlyArray<{ name: string; status: string; services: Array<{ name: string; status: string }> }>;
}

void describe('brokerwatch fleet on a large fleet', { timeout: 120_000 }, () => {
  let broker: RunningMosquitto;

  before(async () => {
    broker = await startMosquitto();
    const c = await connectAsync({ host: '127.0.0.1', port: broker.port, reconnectPeriod: 0 });
    try {
      for (let i = 0; i < DAEMONS; i++) {
        const name = `edge-${String(i).padStart(3, '0')}`;
        await c.publishAsync(`brokerwatch/${name}/status`, 'online', { retain: true, qos: 1 });
        for (const s of SERVICES) {
          const dto = { name: s, type: 'process', status: i === 7 && s === 'mosquitto' ? 'failed' : 'ok', checks: [] };
          await c.publishAsync(`brokerwatch/${name}/service/${s}`, JSON.stringify(dto), { retain: true, qos: 1 });
        }
      }
    } finally {
      await c.endAsync();
    }
  });
  after(() => broker.stop());

  void test(`--json prints all ${DAEMONS} daemons and ${DAEMONS * SERVICES.length} services`, async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BROKERWATCH, 'fleet', '--broker', `mqtt://127.0.0.1:${broker.port}`, '--json'],
        { timeout: 60_000, maxBuffer: 64 << 20 },
        (err, out, errOut) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: out, stderr: errOut }),
      ),
    );
    assert.equal(code, 1, `one service fails: exit 1; ${stderr}`);
    assert.ok(!stdout.includes('$sync'), 'the marker is not printed');
    const j = JSON.parse(stdout) as FleetJson;
    assert.equal(j.daemons.length, DAEMONS);
    assert.equal(
      j.daemons.reduce((n, d) => n + d.services.length, 0),
      DAEMONS * SERVICES.length,
    );
    assert.ok(j.daemons.every((d) => d.status === 'online'));
    assert.deepEqual(
      [j.daemons[0]?.name, j.daemons[0]?.services[0]?.name, j.daemons[0]?.services[0]?.status],
      ['edge-007', 'mosquitto', 'failed'],
      'the daemon with the failing service first',
    );
  });

  void test('the marker comes back after all 1,500 retained messages (QoS 0 subscription), three times', async () => {
    for (let run = 0; run < 3; run++) {
      // Virtual time never moves: only the marker can end the collection.
      const clock = new FakeClock();
      const view = new FleetView('brokerwatch');
      const reader = openFleet(
        {
          where: `mqtt://127.0.0.1:${broker.port}`,
          prefix: 'brokerwatch',
          timeoutMs: 5_000,
          options: { protocol: 'mqtt', host: '127.0.0.1', port: broker.port, clean: true },
        },
        view,
        false,
        clock,
      );
      try {
        let result: Collected | undefined;
        void reader.collected.then((r) => (result = r));
        await waitFor(() => result, { timeoutMs: 30_000, message: `run ${run}: the marker never came back` });
        assert.deepEqual(result, { ok: true, by: 'marker' });
        const r = view.report();
        assert.equal(r.daemons.length, DAEMONS, `run ${run}: daemons before the marker`);
        assert.equal(
          r.daemons.reduce((n, d) => n + d.services.length, 0),
          DAEMONS * SERVICES.length,
          `run ${run}: services before the marker`,
        );
        assert.ok(r.daemons.every((d) => d.status === 'online'));
      } finally {
        await reader.close();
      }
    }
  });
});
