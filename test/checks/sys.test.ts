// `$SYS` rules against a real mosquitto publishing its tree every `sys_interval 1` (≈ 2 s in
// mosquitto 2.0): thresholds on the latest values, the uptime going backwards when the broker is
// restarted between cycles, and the uptime stalling while the broker is SIGSTOPped.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../src/config/model.js';
import type { CheckResult } from '../../src/checks/result.js';
import { sysCheck, sysEndpoint } from '../../src/checks/sys/check.js';
import type { Check } from '../../src/checks/types.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { context, mqttPort, noSocketsLeft, openSockets, rule, service } from './fixtures.js';

type SysCondition = Extract<Condition, { kind: 'sys' }>;

const LIMIT = { timeout: 40_000 };
const SYS_FAST = ['sys_interval 1'];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function broker(port?: number): Promise<RunningMosquitto> {
  const b = await startMosquitto({ extraConfig: SYS_FAST, ...(port === undefined ? {} : { port }) });
  cleanups.push(b.stop);
  return b;
}

/** A started sys check for TEST on PORT, and a function running one cycle of it. */
function sys(port: number, test: SysCondition['test']): { check: Check; cycle(): Promise<CheckResult> } {
  const cond: SysCondition = { kind: 'sys', test, host: '127.0.0.1', port };
  const r = rule(cond);
  const svc = service([r]);
  const check = sysCheck(cond, svc);
  check.watch?.({ service: svc, rule: r }, () => undefined);
  cleanups.push(() => check.close?.());
  const memo = new Map<string, unknown>();
  return { check, cycle: () => check.run(context(svc, r, memo)) };
}

/** Runs cycles until one has STATUS; resolves with it. */
async function until(
  cycle: () => Promise<CheckResult>,
  status: CheckResult['status'],
  timeoutMs = 10_000,
): Promise<CheckResult> {
  let last: CheckResult | undefined;
  return waitFor(
    async () => {
      last = await cycle();
      return last.status === status ? last : undefined;
    },
    { timeoutMs, intervalMs: 100, message: `never ${status} (last: ${last?.status} ${last?.message})` },
  );
}

void describe('$SYS', () => {
  void test('thresholds judge the latest value; one connection serves every rule of a broker', LIMIT, async () => {
    const b = await broker();
    const baseline = openSockets();
    const connected = sys(b.port, { kind: 'threshold', topic: '$SYS/broker/clients/connected', op: '>', value: 100 });
    const total = sys(b.port, { kind: 'threshold', topic: '$SYS/broker/clients/total', op: '>=', value: 1 });
    const never = sys(b.port, { kind: 'threshold', topic: '$SYS/broker/no/such/topic', op: '>', value: 1 });
    assert.equal((await never.cycle()).status, 'init');
    const ok = await until(connected.cycle, 'ok');
    assert.match(ok.message, /clients\/connected = \d+/);
    const failed = await until(total.cycle, 'failed');
    assert.equal(failed.class, 'sys-threshold');
    assert.match(failed.message, /clients\/total = \d+ \(>= 1\)/);
    const still = await never.cycle();
    assert.equal(still.status, 'init');
    assert.match(still.message, /no value yet/);
    assert.equal(openSockets(), baseline + 1);
    for (const c of [connected, total, never]) c.check.close?.();
    await noSocketsLeft(baseline);
  });

  void test('uptime-reset: a broker restarted between cycles fails once', LIMIT, async () => {
    const a = await broker();
    const reset = sys(a.port, { kind: 'uptime-reset' });
    const first = await until(reset.cycle, 'ok');
    // Let the first broker's uptime grow past what a fresh one reports.
    await waitFor(async () => Number(/uptime (\d+)/.exec((await reset.cycle()).message)?.[1] ?? 0) >= 4, {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    assert.match(first.message, /uptime \d+ s/);
    await a.stop();
    await broker(a.port);
    const failed = await until(reset.cycle, 'failed', 15_000);
    assert.equal(failed.class, 'sys-uptime-reset');
    assert.match(failed.message, /went backwards/);
    assert.equal((await reset.cycle()).status, 'ok');
  });

  void test('uptime-stalled: init until the interval is learned, then sys-stale while SIGSTOPped', LIMIT, async (t) => {
    const b = await broker();
    const stalled = sys(b.port, { kind: 'uptime-stalled' });
    assert.equal((await stalled.cycle()).status, 'init');
    await until(stalled.cycle, 'ok', 15_000);
    process.kill(b.pid, 'SIGSTOP');
    cleanups.push(() => {
      try {
        process.kill(b.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    });
    const t0 = performance.now();
    const failed = await until(stalled.cycle, 'failed', 15_000);
    t.diagnostic(`stalled uptime seen ${Math.round(performance.now() - t0)} ms after SIGSTOP: ${failed.message}`);
    assert.equal(failed.class, 'sys-stale');
    assert.match(failed.message, /has not advanced/);
    process.kill(b.pid, 'SIGCONT');
    await until(stalled.cycle, 'ok', 15_000);
  });
});

void describe('$SYS endpoint', () => {
  void test('inherits the first protocol mqtt test: host, port, credentials, TLS', () => {
    const port = mqttPort(8883, { mqtt: { username: 'u', password: 'p', version: 5 }, tls: { caFile: '/ca.crt' } });
    const svc = service([rule(mqttPort(1, { protocol: 'tcp' }), 'tcp'), rule(port, 'mqtt')]);
    const { ep, timeoutMs } = sysEndpoint({ kind: 'sys', test: { kind: 'uptime-reset' } }, svc);
    assert.deepEqual(
      [ep.host, ep.port, ep.username, ep.password, ep.version, ep.tls?.caFile, timeoutMs],
      ['127.0.0.1', 8883, 'u', 'p', 5, '/ca.crt', 2_000],
    );
    // Another port of the same broker: the credentials still apply, that listener's TLS is unknown.
    const other = sysEndpoint({ kind: 'sys', test: { kind: 'uptime-reset' }, port: 1883 }, svc).ep;
    assert.deepEqual([other.port, other.username, other.tls], [1883, 'u', undefined]);
  });

  void test('defaults to 127.0.0.1:1883', () => {
    const { ep } = sysEndpoint({ kind: 'sys', test: { kind: 'uptime-stalled' } }, service([]));
    assert.deepEqual([ep.host, ep.port, ep.tls], ['127.0.0.1', 1883, undefined]);
  });
});
