// The alerts service wakes the daemon only when it has work: the reminder timer runs when some
// recipient is reminded, the flapping timer while events are held. On virtual time, whose pending
// timers the test can see.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAlerts } from '../../src/alerts/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, FakeDaemon, crash, recovery, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const mosquitto = 'check process mosquitto with pidfile /run/mosquitto.pid';

async function start(text: string) {
  const clock = new FakeClock();
  const daemon = new FakeDaemon();
  const log = testLogger();
  const dir = await stateDir(cleanup);
  const alerts = await startAlerts(daemon, {
    config: await rules(text),
    logger: log.logger,
    stateDir: dir,
    instanceEvents: false,
    closeGraceMs: 0,
    clock,
  });
  cleanup.add(() => alerts.close());
  return { clock, daemon, alerts, dir, log };
}

void describe('alert timers', () => {
  void test('no recipient is reminded and nothing is held: no timer at all', async () => {
    const { clock } = await start(['set alert ops@example.com', mosquitto].join('\n'));
    assert.equal(clock.nextAt(), undefined);
  });

  void test('a recipient with `reminder on N cycles`: a timer once a cycle', async () => {
    const { clock } = await start(
      ['set daemon 5', 'set alert ops@example.com with reminder on 3 cycles', mosquitto].join('\n'),
    );
    assert.equal(clock.nextAt(), clock.now() + 5_000);
  });

  void test('flapping: the timer runs while events are held and stops once the summary is due', async () => {
    // No recipient: flapping is detected all the same, and no delivery adds timers of its own.
    const { clock, daemon, dir, log, alerts } = await start(mosquitto);
    /** Virtual seconds, each followed by the service's jobs (file writes are real I/O). */
    const seconds = async (n: number, until: () => boolean = () => false): Promise<void> => {
      for (let i = 0; i < n && !until(); i++) {
        await clock.advance(1_000);
        await alerts.flush();
      }
    };
    assert.equal(clock.pending, 0);
    // The fourth state change within 60 s is held.
    daemon.events.publish(crash());
    daemon.events.publish(recovery());
    daemon.events.publish(crash());
    daemon.events.publish(recovery());
    await alerts.flush();
    assert.equal(clock.pending, 1, 'the flapping timer, while the event is held');
    assert.ok(log.lines.some((l) => l.msg === 'service flapping: event folded into a summary'));
    const file = join(dir, 'events', 'flapping.json');
    assert.ok((JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>).mosquitto, 'held on disk');
    // Quiet for 30 s: the summary is due, the hold ends, and the timer stops.
    await seconds(29);
    assert.equal(clock.pending, 1, 'held while not yet quiet for 30 s');
    await seconds(5, () => clock.pending === 0);
    assert.equal(clock.pending, 0, 'the flapping timer stopped');
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {});
    // Flapping again arms it again.
    for (let i = 0; i < 2; i++) {
      daemon.events.publish(crash());
      daemon.events.publish(recovery());
    }
    await alerts.flush();
    assert.equal(clock.pending, 1, 'armed again');
  });
});
