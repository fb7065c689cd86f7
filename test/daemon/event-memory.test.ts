// The latest events outlive brokerwatch: they go into the state file with the services' states, come
// back when the daemon starts again (each checked: the file is input from disk), and ids go on from
// the newest, so `GET /api/v1/events?since=N` and the status page still show what happened before.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { parseRules } from '../../src/config/loader.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { EventBus } from '../../src/daemon/event-bus.js';
import { EVENTS_KEPT_ON_DISK } from '../../src/daemon/state-store.js';
import type { ServiceEvent } from '../../src/state/events.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const ev = (id: number, over: Partial<ServiceEvent> = {}): ServiceEvent => ({
  id,
  service: 's',
  type: 'connection',
  state: 'failed',
  action: 'alert',
  class: 'port-closed',
  message: `m${id}`,
  time: 1_000 + id,
  ...over,
});

void describe('events across a restart', () => {
  void test('EventBus.restore keeps the well-formed events in order and numbers on after the newest', () => {
    const bus = new EventBus(10);
    const odd = [
      null,
      'x',
      { ...ev(4), id: -1 },
      { ...ev(5), type: 'nonsense' },
      { ...ev(7), time: 'noon' },
      { ...ev(8), time: 1e20 },
      { ...ev(9), message: 42 },
    ];
    bus.restore([
      ev(1),
      ev(2),
      ...odd,
      { ...ev(3, { state: 'succeeded' }), class: undefined },
      { ...ev(6), class: 'made-up' },
      ev(2),
      ev(10),
    ]);
    assert.deepEqual(
      bus.since(0).map((e) => e.id),
      [1, 2, 3, 6, 10],
    );
    assert.equal(bus.since(5)[0]?.class, undefined, 'an unknown class is dropped, not the event');
    assert.equal(
      bus.publish({ service: 's', type: 'nonexist', state: 'failed', action: 'restart', message: 'new', time: 2_000 })
        .id,
      11,
    );
    bus.restore([ev(50)]);
    assert.deepEqual(
      bus.since(9).map((e) => e.id),
      [10, 11],
      'restore only into an empty bus',
    );
    const fresh = new EventBus();
    fresh.restore({ not: 'an array' });
    assert.equal(fresh.nextId, 1);
  });

  void test('a daemon started again on the same state file shows the events of the one before', async () => {
    const dir = await testDir(cleanup);
    const file = join(dir, 'rules.rc');
    const stateFile = join(dir, 'state.json');
    // A host whose port is closed: a failed connection event at its first cycle.
    const text = [
      'set daemon 1',
      `set statefile ${stateFile}`,
      'check host remote with address 127.0.0.1',
      '  if failed port 1 with timeout 1 seconds then alert',
      '',
    ].join('\n');
    await writeFile(file, text, { mode: 0o600 });
    const { config } = await parseRules(text, file);
    const logger = pino({ level: 'silent' });
    const first = new Daemon(config, { logger });
    cleanup.add(() => first.stop());
    await first.start();
    const failed = await waitFor(
      () => first.events.since(0).find((e) => e.service === 'remote' && e.state === 'failed'),
      { timeoutMs: 5_000, message: 'no failure event' },
    );
    await first.stop();
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { events?: ServiceEvent[] };
    assert.ok(
      saved.events?.some((e) => e.id === failed.id),
      'the state file holds the event',
    );

    const second = new Daemon(config, { logger });
    cleanup.add(() => second.stop());
    await second.start();
    assert.deepEqual(
      second.events.since(0).find((e) => e.id === failed.id),
      failed,
    );
    assert.ok(second.events.nextId > failed.id);
    assert.ok((saved.events?.length ?? 0) <= EVENTS_KEPT_ON_DISK);
  });
});
