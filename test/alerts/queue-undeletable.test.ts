// A delivered alert whose queue file cannot be deleted (the state folder read-only, a failing disk)
// must not end delivery, nor brokerwatch: the chaos soak found a read-only state folder ending the
// daemon with an unhandled EROFS from the delivery loop. Here the file is made undeletable by putting a
// folder with something in it in its place, which `rm` without `recursive` refuses as EROFS would.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Deliverer } from '../../src/alerts/lanes.js';
import { AlertQueue } from '../../src/alerts/queue.js';
import type { Alert } from '../../src/alerts/types.js';
import { waitFor } from '../helpers/wait.js';
// An unhandled rejection fails the test, as it ended the daemon.
import '../helpers/stray-errors.js';
import { Cleanup, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const LANE = '00000000000000cc';

function alert(id: string, order: number): Alert {
  return {
    v: 1,
    id,
    lane: LANE,
    label: 'ops@example.com',
    kind: 'event',
    host: 'h',
    created: order,
    order,
    event: {
      id: order,
      service: 'mosquitto',
      type: 'nonexist',
      state: 'failed',
      action: 'restart',
      message: 'gone',
      time: order,
    },
  };
}

void test('a delivered alert whose file cannot be deleted is logged, and the alerts behind it still go out', async () => {
  const dir = await stateDir(cleanup);
  const { logger, lines } = testLogger();
  const q = new AlertQueue(dir, 100, logger);
  await q.load();
  const sent: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const channel = {
    send: async (a: Alert): Promise<void> => {
      if (sent.length === 0) await held;
      sent.push(a.id);
    },
  };
  const d = new Deliverer({
    queue: q,
    channel: () => channel,
    retry: () => ({ initialMs: 10, maxMs: 10 }),
    log: logger,
  });
  cleanup.add(() => d.close());
  q.on('added', (lane) => d.wake(lane));
  const first = alert('first', 1_000);
  await q.add(first);
  await q.add(alert('second', 2_000));
  // While the first is being sent, its file turns into something `rm` refuses.
  const file = join(dir, LANE, `${String(first.order).padStart(16, '0')}-${first.id}.json`);
  await rm(file);
  await mkdir(file);
  await writeFile(join(file, 'keep'), '');
  release();
  await waitFor(() => sent.length === 2 && q.size === 0, { message: `sent ${sent.join(',')}, ${q.size} queued` });
  assert.deepEqual(sent, ['first', 'second']);
  assert.ok(
    lines.some((l) => l.level === 50 && String(l.msg).includes('cannot delete the file of an alert done with')),
    'the undeletable file is reported',
  );
});
