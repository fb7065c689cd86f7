// The pure parts: recipients and filters, retry delays, flapping detection, folding, monit's event
// words and variables, and the queue's repair of what a crash left half done.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { retryDelay } from '../../src/alerts/retry-delay.js';
import { describeEvent } from '../../src/alerts/event-text.js';
import { FlapDetector } from '../../src/alerts/flapping.js';
import { foldAlerts } from '../../src/alerts/fold.js';
import { Ledger } from '../../src/alerts/ledger.js';
import { parseAlert } from '../../src/alerts/stored-alert.js';
import { Deliverer } from '../../src/alerts/lanes.js';
import { AlertQueue } from '../../src/alerts/queue.js';
import { recipientKey, recipientLabel, recipientsFor } from '../../src/alerts/recipients.js';
import { alertVars, expand } from '../../src/alerts/alert-text.js';
import type { Alert, AlertEvent } from '../../src/alerts/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, mailAlert, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const ev = (over: Partial<AlertEvent> = {}): AlertEvent => ({ ...mailAlert('e', 'e').event, ...over });
let n = 0;
const alert = (over: Partial<Alert> = {}): Alert => ({
  v: 1,
  id: `a${++n}`,
  lane: '0123456789abcdef',
  label: 'ops@example.com',
  kind: 'event',
  host: 'h',
  created: 1,
  order: n,
  event: ev({ id: n }),
  ...over,
});

void describe('recipients', () => {
  void test('global minus noalert, plus the service`s own (which replaces a global one for the same address)', async () => {
    const c = await rules(
      [
        'set alert a@example.com',
        'set alert b@example.com',
        'set alert c@example.com',
        'check process mosquitto with pidfile /x',
        '  noalert b@example.com',
        '  alert C@example.com on { nonexist } with reminder on 3 cycles',
      ].join('\n'),
    );
    const got = recipientsFor(c, 'mosquitto').map(
      (r) => `${r.label} ${r.recipient.filter.mode} ${r.recipient.reminderCycles}`,
    );
    assert.deepEqual(got, ['a@example.com all 0', 'C@example.com only 3']);
    assert.deepEqual(
      recipientsFor(c, undefined).map((r) => r.label),
      ['a@example.com', 'b@example.com', 'c@example.com'],
    );
  });

  void test('keys are stable hashes; labels hold no secrets', () => {
    const hook = {
      kind: 'webhook',
      url: 'https://hooks.slack.com/services/T0/B0/SECRET',
      slack: true,
      timeoutMs: 1,
    } as const;
    assert.match(recipientKey(hook), /^[0-9a-f]{16}$/);
    assert.equal(recipientKey(hook), recipientKey({ ...hook }));
    assert.equal(recipientLabel(hook), 'webhook https://hooks.slack.com');
    const mqtt = {
      kind: 'mqtt',
      host: 'h',
      port: 1883,
      topic: 't',
      qos: 1,
      retain: false,
      username: 'u',
      password: 'SECRET',
    } as const;
    assert.ok(!recipientLabel(mqtt).includes('SECRET'));
    assert.equal(recipientKey(mqtt), recipientKey({ ...mqtt, password: 'changed' }), 'a new password keeps the lane');
  });
});

void describe('retry delays', () => {
  void test('double from the first delay up to the cap, jittered within [d/2, d]', () => {
    const o = { initialMs: 1_000, maxMs: 300_000 };
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => retryDelay(a, o, () => 1)),
      [1_000, 2_000, 4_000, 8_000],
    );
    assert.equal(
      retryDelay(1, o, () => 0),
      500,
    );
    assert.equal(
      retryDelay(30, o, () => 1),
      300_000,
    );
    assert.equal(
      retryDelay(1_000, o, () => 1),
      300_000,
    );
  });
});

void describe('delivery retries', () => {
  void test('a failing head is retried after its jittered delay on the clock, never earlier, and blocks its lane', async () => {
    const clock = new FakeClock();
    const dir = join(await stateDir(cleanup), 'events');
    const log = testLogger().logger;
    const q = new AlertQueue(dir, 100, log, clock);
    await q.load();
    const attempts: Array<{ id: string; at: number }> = [];
    const channel = {
      send: (a: Alert): Promise<void> => {
        attempts.push({ id: a.id, at: clock.now() });
        return attempts.length <= 2 ? Promise.reject(new Error('refused')) : Promise.resolve();
      },
    };
    const d = new Deliverer({
      queue: q,
      channel: () => channel,
      retry: () => ({ initialMs: 1_000, maxMs: 60_000 }),
      log,
      clock,
    });
    cleanup.add(() => d.close());
    q.on('added', (l) => d.wake(l));
    const lane = '00000000000000cc';
    const first = alert({ lane, order: q.nextOrder() });
    const second = alert({ lane, order: q.nextOrder() });
    await q.add(first);
    await q.add(second);
    await clock.advance(0);
    assert.deepEqual(
      attempts.map((a) => a.at - clock.now()),
      [0],
    );
    // The first retry waits between 500 and 1000 ms (1 s, half of it jitter); the second 1 to 2 s.
    await clock.advance(499);
    assert.equal(attempts.length, 1, 'retried before half the first delay');
    await clock.runUntil(() => attempts.length >= 4, { maxMs: 3_000 });
    const [a0, a1, a2] = attempts.map((a) => a.at) as [number, number, number];
    assert.ok(a1 - a0 >= 500 && a1 - a0 <= 1_000, `first retry after ${a1 - a0} ms`);
    assert.ok(a2 - a1 >= 1_000 && a2 - a1 <= 2_000, `second retry after ${a2 - a1} ms`);
    // Head-of-line: the second alert only after the first went through.
    assert.deepEqual(
      attempts.map((a) => a.id),
      [first.id, first.id, first.id, second.id],
    );
    assert.equal(attempts[3]?.at, a2, 'the next alert goes at once');
    await d.idle();
  });
});

void describe('flapping', () => {
  const opts = { changes: 4, windowMs: 60_000, quietMs: 30_000 };

  void test('the 4th state change within the window starts a hold; a quiet period ends it with one summary', () => {
    const f = new FlapDetector(opts);
    const states = ['failed', 'succeeded', 'failed', 'succeeded', 'failed'] as const;
    const got = states.map((state, i) => f.offer(ev({ state, id: i }), i * 1_000));
    assert.deepEqual(got, ['pass', 'pass', 'pass', 'held', 'held']);
    assert.deepEqual(f.due(10_000), []);
    const due = f.due(4_000 + 30_000);
    assert.equal(due.length, 1);
    assert.deepEqual(
      due[0]?.events.map((e) => e.id),
      [3, 4],
    );
    assert.equal(f.holding, false);
    assert.equal(f.offer(ev({ state: 'succeeded' }), 40_000), 'pass');
  });

  void test('a repeated failure is no state change; changes spread over more than the window are no flapping', () => {
    const f = new FlapDetector(opts);
    for (let i = 0; i < 10; i++) assert.equal(f.offer(ev({ state: 'failed' }), i), 'pass');
    const g = new FlapDetector(opts);
    const got = ['failed', 'succeeded', 'failed', 'succeeded', 'failed'].map((s, i) =>
      g.offer(ev({ state: s as 'failed' }), i * 25_000),
    );
    assert.deepEqual(got, ['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  void test('flapping without end: one summary per window', () => {
    const f = new FlapDetector(opts);
    let t = 0;
    for (let i = 0; i < 100; i++) f.offer(ev({ state: i % 2 ? 'succeeded' : 'failed' }), (t += 1_000));
    assert.equal(f.due(t).length, 1, 'a window after the hold began');
    assert.equal(f.holding, true);
  });
});

void describe('folding and the queue on disk', () => {
  void test('foldAlerts keeps the first order, the newest event, and the count of everything', () => {
    const a = alert();
    const b = alert();
    const s1 = foldAlerts([a, b], 'folded', Date.now());
    const c = alert();
    const s2 = foldAlerts([s1, c], 'folded', Date.now());
    assert.equal(s2.order, a.order);
    assert.equal(s2.kind, 'folded');
    assert.equal(s2.summary?.count, 3);
    assert.deepEqual(
      s2.summary?.events.map((e) => e.id),
      [a.event.id, b.event.id, c.event.id],
    );
    assert.deepEqual(s2.folds, [s1.id, c.id]);
    assert.match(alertVars(s2).EVENT, /^3 alerts folded$/);
  });

  void test('load repairs a crash: temporary files go, alerts a written summary replaced go', async () => {
    const dir = join(await stateDir(cleanup), 'events');
    const lane = '0123456789abcdef';
    await mkdir(join(dir, lane), { recursive: true });
    const a = alert({ lane });
    const b = alert({ lane });
    const c = alert({ lane });
    const s = foldAlerts([a, b], 'folded', Date.now());
    const name = (x: Alert): string => `${String(x.order).padStart(16, '0')}-${x.id}.json`;
    for (const x of [a, b, c]) await writeFile(join(dir, lane, name(x)), JSON.stringify(x));
    await writeFile(join(dir, lane, `${name(s)}`), JSON.stringify(s));
    await writeFile(join(dir, lane, `${name(c)}.123.456.tmp`), '{"half');
    await writeFile(join(dir, lane, '0000000000000099-broken.json'), 'not json');
    const q = new AlertQueue(dir, 100, testLogger().logger);
    const loaded = await q.load();
    assert.deepEqual(
      loaded.map((x) => x.id),
      [s.id, c.id],
    );
    assert.deepEqual(
      (await readdir(join(dir, lane))).sort(),
      [name(s), name(c), '0000000000000099-broken.json'].sort(),
    );
    assert.ok(q.nextOrder() > c.order);
  });

  void test('the alert being sent is never folded (it may be delivered already)', async () => {
    const dir = join(await stateDir(cleanup), 'events');
    const q = new AlertQueue(dir, 2, testLogger().logger);
    await q.load();
    const lane = '00000000000000aa';
    const mk = (): Alert => alert({ lane, order: q.nextOrder() });
    const head = mk();
    await q.add(head);
    q.setSending(lane, head.id);
    for (let i = 0; i < 4; i++) await q.add(mk());
    const left = q.pending(lane);
    assert.equal(left.length, 2);
    assert.equal(left[0]?.id, head.id);
    assert.equal(left[1]?.summary?.count, 4);
  });

  void test('an alert delivered while a fold is pending is not folded before its removal (no duplicate)', async () => {
    const dir = join(await stateDir(cleanup), 'events');
    const log = testLogger().logger;
    const q = new AlertQueue(dir, 2, log);
    await q.load();
    const sent: Alert[] = [];
    let release: () => void = () => undefined;
    const channel = {
      send: (a: Alert): Promise<void> => {
        sent.push(a);
        return sent.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    };
    const d = new Deliverer({ queue: q, channel: () => channel, retry: () => ({ initialMs: 10, maxMs: 10 }), log });
    q.on('added', (l) => d.wake(l));
    const lane = '00000000000000bb';
    const mk = (): Alert => alert({ lane, order: q.nextOrder() });
    await q.add(mk());
    await q.add(mk());
    await waitFor(() => sent.length === 1);
    // The third alert overfills the queue; its fold runs after the first send completes.
    const adding = q.add(mk());
    release();
    await adding;
    await d.idle();
    await d.close();
    const ids = sent.flatMap((a) => (a.summary ? a.summary.events : [a.event]).map((e) => e.id));
    assert.equal(new Set(ids).size, ids.length, `delivered twice: ${ids.join(',')}`);
    assert.equal(ids.length, 3);
  });

  void test('parseAlert refuses what is not an alert of its lane', () => {
    const a = alert();
    assert.deepEqual(parseAlert(JSON.stringify(a), a.lane), a);
    assert.equal(parseAlert(JSON.stringify(a), 'ffffffffffffffff'), undefined);
    assert.equal(parseAlert(JSON.stringify({ ...a, event: { ...a.event, type: 'bogus' } }), a.lane), undefined);
    assert.equal(parseAlert('{', a.lane), undefined);
  });

  void test('the ledger: a repeated state is a repeat, changes never are; queued alerts replay on load', async () => {
    const dir = await stateDir(cleanup);
    const l = new Ledger(join(dir, 'alerted.json'), testLogger().logger);
    await l.load([alert({ lane: 'x', event: ev({ state: 'failed' }) })]);
    assert.equal(l.isRepeat('x', ev({ state: 'failed' })), true);
    assert.equal(l.isRepeat('x', ev({ state: 'succeeded' })), false);
    assert.equal(l.isRepeat('y', ev({ state: 'failed' })), false);
    assert.equal(l.isRepeat('x', ev({ type: 'pid', state: 'changed' })), false);
    l.record('x', ev({ state: 'succeeded' }), 2);
    await l.save();
    const again = new Ledger(join(dir, 'alerted.json'), testLogger().logger);
    await again.load([]);
    assert.equal(again.isRepeat('x', ev({ state: 'succeeded' })), true);
    assert.deepEqual(again.failing(), []);
  });
});

void describe('words', () => {
  void test('monit`s event descriptions and $VARIABLES', () => {
    assert.equal(describeEvent('nonexist', 'failed'), 'Does not exist');
    assert.equal(describeEvent('nonexist', 'succeeded'), 'Exists');
    assert.equal(describeEvent('connection', 'failed'), 'Connection failed');
    assert.equal(describeEvent('pid', 'changed'), 'PID changed');
    assert.equal(describeEvent('timeout', 'succeeded'), 'Timeout recovery');
    const v = alertVars(alert({ host: 'h1' }));
    assert.equal(
      expand('$EVENT $SERVICE on $HOST: $DESCRIPTION ($ACTION) $UNKNOWN $', v),
      'Does not exist mosquitto on h1: gone (restart) $UNKNOWN $',
    );
  });
});
