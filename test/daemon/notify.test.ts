// The notify protocol's parts on virtual time: the environment systemd passes, the status line, the
// watchdog's pings and what stops them (a stalled event loop, a wedged cycle, never a slow check
// within its timeout), and the messages a daemon run in this process sends around a reload.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import { CycleLoop } from '../../src/daemon/cycle-loop.js';
import { STATUS_COALESCE_MS, SystemdNotifier } from '../../src/daemon/notify.js';
import { NotifyQueue, takeNotifyEnv } from '../../src/daemon/sd-notify.js';
import { statusLine } from '../../src/daemon/status-line.js';
import type { ServiceLine } from '../../src/daemon/status-line.js';
import { cycleDeadlineMs, Watchdog, WEDGE_CYCLES } from '../../src/daemon/watchdog.js';
import type { WatchedRunner } from '../../src/daemon/watchdog.js';
import type { Clock } from '../../src/util/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, runCycle, startInProcess, testDir } from './harness.js';

const silent = pino({ level: 'silent' });

async function services(rules: string): Promise<Service[]> {
  const { config } = await parseRules(`set daemon 1\n${rules}`);
  return [...config.services];
}

/** A FakeClock whose time can also jump without any timer firing: an event loop that was blocked. */
class StallableClock implements Clock {
  skew = 0;
  constructor(readonly fake: FakeClock) {}
  now(): number {
    return this.fake.now() + this.skew;
  }
  setTimeout(fn: () => void, ms: number): ReturnType<Clock['setTimeout']> {
    return this.fake.setTimeout(fn, ms);
  }
  setInterval(fn: () => void, ms: number): ReturnType<Clock['setInterval']> {
    return this.fake.setInterval(fn, ms);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.fake.sleep(ms, signal);
  }
}

void describe('the environment systemd passes', () => {
  void test('NOTIFY_SOCKET and the watchdog are read and removed from the environment', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', PATH: '/bin' };
    assert.deepEqual(takeNotifyEnv(env, 42), { socket: '/run/systemd/notify', watchdogMs: 30_000 });
    assert.deepEqual(env, { PATH: '/bin' });
  });

  void test('a watchdog meant for another PID is not ours; a socket without a watchdog is fine', () => {
    const other = { NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '7' };
    assert.deepEqual(takeNotifyEnv(other, 42), { socket: '@abstract' });
    const ours = { NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '42' };
    assert.deepEqual(takeNotifyEnv(ours, 42), { socket: '@abstract', watchdogMs: 1000 });
    assert.deepEqual(takeNotifyEnv({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: 'x' }, 42), { socket: '/s' });
  });

  void test('without NOTIFY_SOCKET there is nothing to notify', () => {
    const env: NodeJS.ProcessEnv = { WATCHDOG_USEC: '1000000' };
    assert.equal(takeNotifyEnv(env, 42), undefined);
    assert.deepEqual(env, {});
  });
});

void describe('the status line', () => {
  const svc = (name: string, status: 'ok' | 'failed' | 'unknown', monitor = 'monitored'): ServiceLine =>
    ({ service: { name }, state: { status, monitor } }) as ServiceLine;

  void test('counts by status, names the failed ones', () => {
    assert.equal(statusLine([svc('a', 'ok'), svc('b', 'ok'), svc('c', 'ok')]), '3 services: 3 ok');
    assert.equal(
      statusLine([svc('a', 'ok'), svc('mosquitto', 'failed'), svc('c', 'ok')]),
      '3 services: 2 ok, 1 failed (mosquitto)',
    );
    assert.equal(
      statusLine([svc('a', 'unknown'), svc('b', 'ok', 'not-monitored'), svc('c', 'unknown', 'initializing')]),
      '3 services: 2 initializing, 1 not monitored',
    );
    assert.equal(statusLine([svc('one', 'ok')]), '1 service: 1 ok');
    assert.equal(statusLine([]), '0 services');
  });

  void test('names at most three failed services', () => {
    const line = statusLine(['a', 'b', 'c', 'd'].map((n) => svc(n, 'failed')));
    assert.equal(line, '4 services: 4 failed (a, b, c, …)');
  });
});

void describe('the message queue', () => {
  void test('sends in order, one at a time; a waiting ping makes another one needless', async () => {
    const sent: string[][] = [];
    let release!: () => void;
    let inFlight = 0;
    const q = new NotifyQueue(async (fields) => {
      inFlight++;
      assert.equal(inFlight, 1, 'one send at a time');
      sent.push([...fields]);
      if (fields[0] === 'READY=1') await new Promise<void>((r) => (release = r));
      inFlight--;
    });
    q.push(['READY=1', 'STATUS=x']);
    q.push(['WATCHDOG=1']);
    q.push(['WATCHDOG=1']);
    q.push(['STATUS=y']);
    q.push(['WATCHDOG=1']);
    release();
    await q.flushed();
    assert.deepEqual(sent, [['READY=1', 'STATUS=x'], ['WATCHDOG=1'], ['STATUS=y']]);
  });
});

void describe('the watchdog', () => {
  async function setup(
    rules: string,
    watchdogMs = 10_000,
  ): Promise<{ clock: FakeClock; stall: StallableClock; pings: number[]; dog: Watchdog; runners: WatchedRunner[] }> {
    const clock = new FakeClock();
    const stall = new StallableClock(clock);
    const runners: WatchedRunner[] = (await services(rules)).map((service) => ({ service, cycleStartedAt: undefined }));
    const pings: number[] = [];
    const dog = new Watchdog({
      clock: stall,
      watchdogMs,
      runners: () => runners,
      cycleMs: () => 1_000,
      ping: () => pings.push(stall.now()),
    });
    return { clock, stall, pings, dog, runners };
  }

  void test('pings at once and then every half of WATCHDOG_USEC', async () => {
    const { clock, pings, dog } = await setup('check program t with path "/bin/true"\n if status != 0 then alert');
    const t0 = clock.now();
    dog.start();
    await clock.advance(20_000);
    dog.stop();
    await clock.advance(20_000);
    assert.deepEqual(
      pings.map((t) => t - t0),
      [0, 5_000, 10_000, 15_000, 20_000],
    );
  });

  void test('a stalled event loop stops the pings until its timers run on time again', async () => {
    const { clock, stall, pings, dog } = await setup(
      'check program t with path "/bin/true"\n if status != 0 then alert',
    );
    dog.start();
    await clock.advance(9_500);
    assert.equal(pings.length, 2);
    // Just before the next ping the loop is blocked for 8 s: time moves, no timer fires; then the
    // timers run, late.
    stall.skew += 8_000;
    await clock.advance(500);
    assert.equal(pings.length, 2, 'no ping right after the stall');
    assert.match(dog.problem() ?? '', /event loop stalled: a timer fired 8000 ms late/);
    // Timers on time again (a sample every second): the next tick pings.
    await clock.advance(5_000);
    assert.equal(pings.length, 3);
    assert.equal(dog.problem(), undefined);
    dog.stop();
  });

  void test('a loop late on every timer gets no pings', async () => {
    const { clock, stall, pings, dog } = await setup(
      'check program t with path "/bin/true"\n if status != 0 then alert',
    );
    dog.start();
    const lateEverySecond = clock.setInterval(() => (stall.skew += 3_000), 1_000);
    await clock.advance(30_000);
    lateEverySecond.cancel();
    assert.deepEqual(pings.length, 1, 'only the first ping, before the loop lagged');
    dog.stop();
  });

  void test('a short hiccup of the loop is no stall', async () => {
    const { clock, stall, pings, dog } = await setup(
      'check program t with path "/bin/true"\n if status != 0 then alert',
    );
    dog.start();
    stall.skew += 1_000; // under a quarter of the watchdog's 10 s
    await clock.advance(10_000);
    assert.equal(pings.length, 3);
    dog.stop();
  });

  void test("a cycle past its rules' deadlines stops the pings; a slow check within its timeout does not", async () => {
    const { clock, pings, dog, runners } = await setup(
      [
        'check host broker with address 127.0.0.1',
        '  if failed port 1883 with timeout 30 seconds retry 2 then alert',
      ].join('\n'),
    );
    const service = runners[0]?.service;
    assert.ok(service);
    assert.equal(cycleDeadlineMs(service), 90_000);
    // A real cycle loop whose cycle never ends: the check it runs is stuck.
    let finish!: () => void;
    const loop = new CycleLoop(clock, 1_000, service.schedule, {
      active: () => true,
      waiting: () => undefined,
      run: () => new Promise<void>((r) => (finish = r)),
    });
    runners[0] = {
      service,
      get cycleStartedAt() {
        return loop.runningSince;
      },
    };
    loop.start(clock.now());
    await clock.advance(0);
    const started = loop.runningSince;
    assert.equal(started, clock.now());
    dog.start();
    // Within 90 s + 5 cycles the cycle may still be probing a hung broker: pings go on.
    await clock.advance(90_000 + WEDGE_CYCLES * 1_000);
    const before = pings.length;
    assert.equal(before, 1 + (90_000 + WEDGE_CYCLES * 1_000) / 5_000);
    await clock.advance(10_000);
    assert.equal(pings.length, before, 'no ping while the cycle is wedged');
    assert.match(dog.problem() ?? '', /service broker: its cycle has run for \d+ ms \(wedged after 95000 ms\)/);
    finish();
    await clock.advance(5_000);
    assert.equal(pings.length, before + 1, 'pings again once the cycle ended');
    dog.stop();
    loop.stop();
  });
});

void describe('the notifier of a daemon', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  void test('READY with the status, STATUS when it changes, RELOADING/READY around a reload, STOPPING', async () => {
    const dir = await testDir(cleanup, 'bw-notify-');
    const watched = join(dir, 'watched');
    await writeFile(watched, 'x');
    const clock = new FakeClock();
    const rules = (extra: string): string =>
      [
        'set daemon 1',
        `set statefile ${join(dir, 'state.json')}`,
        `check file watched with path ${watched}`,
        '  if does not exist then alert',
        extra,
      ].join('\n');
    const d = await startInProcess(join(dir, 'rules.rc'), rules(''), cleanup, { clock });
    const sent: string[][] = [];
    const notifier = new SystemdNotifier(
      { socket: '/unused' },
      {
        logger: silent,
        send: (fields) => {
          sent.push([...fields]);
          return Promise.resolve();
        },
      },
    );
    cleanup.add(() => notifier.close());
    notifier.ready(d.daemon);
    await runCycle(d, clock, 'watched');
    await clock.advance(STATUS_COALESCE_MS);
    assert.deepEqual(sent.slice(0, 2), [['READY=1', 'STATUS=1 service: 1 initializing'], ['STATUS=1 service: 1 ok']]);

    await rm(watched);
    await runCycle(d, clock, 'watched');
    await clock.advance(STATUS_COALESCE_MS);
    assert.deepEqual(sent.at(-1), ['STATUS=1 service: 1 failed (watched)']);
    const count = sent.length;
    await runCycle(d, clock, 'watched');
    await clock.advance(STATUS_COALESCE_MS);
    assert.equal(sent.length, count, 'no message while the line stays the same');

    const next = await parseRules(rules('check program two with path "/bin/true"\n  if status != 0 then alert'));
    const before = process.hrtime.bigint() / 1000n;
    await notifier.aroundReload(() => d.daemon.reload(next.config));
    const afterUs = process.hrtime.bigint() / 1000n;
    const [reloading, ready] = sent.slice(count);
    assert.equal(reloading?.[0], 'RELOADING=1');
    const usec = BigInt(/^MONOTONIC_USEC=(\d+)$/.exec(reloading?.[1] ?? '')?.[1] ?? '0');
    assert.ok(usec >= before && usec <= afterUs, `MONOTONIC_USEC ${usec} read from CLOCK_MONOTONIC`);
    assert.deepEqual(ready, ['READY=1', 'STATUS=2 services: 1 failed (watched), 1 initializing']);

    notifier.stopping();
    await notifier.close();
    assert.deepEqual(sent.at(-1), ['STOPPING=1', 'STATUS=stopping; brokers keep running']);
  });
});
