// GET /metrics: every line follows the Prometheus text exposition format, the service metrics say
// what the daemon knows (up, monitored, restarts, failures per class, probe step histograms fed per
// cycle), prom-client's process metrics carry the brokerwatch_ prefix, nothing lands in prom-client's
// global registry, and the sample alerting rules only use metrics that exist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { register as globalRegistry } from 'prom-client';
import { startBroker } from '../../demo/serve.js';
import type { DemoBroker } from '../../demo/serve.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, adminJson, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };

// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?Inf|NaN)';
// Case-insensitive for the values: Prometheus parses them with Go's ParseFloat, which takes `Nan`
// (what prom-client writes for an event-loop lag with no sample yet) like `NaN`.
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? ${VALUE}(?: -?\\d+)?$`, 'i');
const HELP = new RegExp(`^# HELP ${NAME} .*$`);
const TYPE = new RegExp(`^# TYPE ${NAME} (counter|gauge|histogram|summary|untyped)$`);

/** The value of the sample `name{labels}` (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

void describe('GET /metrics', () => {
  let f: Fixture;
  let broker: DemoBroker;
  let text = '';
  before(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const closed = await freePort();
    f = await startFixture((dir) =>
      [
        httpdBlock(),
        sleeperBlock(dir, 'sleeper', [
          `if failed host 127.0.0.1 port ${broker.port} protocol mqtt roundtrip qos 1 with timeout 2 seconds then alert`,
        ]),
        'check host remote with address 127.0.0.1',
        `  if failed port ${closed} with timeout 1 seconds then alert`,
      ].join('\n'),
    );
    // Three probe cycles of the sleeper, each handed to the metrics by the daemon's cycle hook.
    await waitFor(
      async () => {
        text = (await f.inject({ url: '/metrics', headers: auth })).body;
        return (
          (sample(text, 'brokerwatch_probe_step_seconds_count', { service: 'sleeper', step: 'delivery' }) ?? 0) >= 3
        );
      },
      { timeoutMs: 15_000, message: 'no probe timings' },
    );
  });
  after(async () => {
    await f.close();
    await broker.close();
  });

  void test('every line is exposition format', async () => {
    const res = await f.inject({ url: '/metrics', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const lines = res.body.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    // The format allows empty lines (prom-client puts one between families).
    for (const line of lines)
      assert.ok(
        line === '' || SAMPLE.test(line) || HELP.test(line) || TYPE.test(line),
        `not exposition format: ${line}`,
      );
    assert.ok(lines.filter((l) => SAMPLE.test(l)).length > 50);
  });

  void test('service gauges and counters', () => {
    assert.equal(sample(text, 'brokerwatch_service_up', { service: 'sleeper', type: 'process' }), 1);
    assert.equal(sample(text, 'brokerwatch_service_up', { service: 'remote', type: 'host' }), 0);
    assert.equal(sample(text, 'brokerwatch_service_monitored', { service: 'sleeper' }), 1);
    assert.equal(sample(text, 'brokerwatch_service_restarts_total', { service: 'sleeper' }), 1, 'the first start');
    assert.equal(sample(text, 'brokerwatch_service_restarts_total', { service: 'remote' }), 0);
    assert.ok((sample(text, 'brokerwatch_failures_total', { service: 'remote', class: 'port-closed' }) ?? 0) >= 1);
    assert.ok(
      (sample(text, 'brokerwatch_failures_total', { service: 'sleeper', class: 'process-missing' }) ?? 0) >= 1,
      'before its first start',
    );
  });

  void test('probe and check durations are histograms, one sample per cycle', () => {
    for (const step of ['connect', 'subscribe', 'publish_ack', 'delivery']) {
      assert.ok(
        (sample(text, 'brokerwatch_probe_step_seconds_count', { service: 'sleeper', rule: 'r1', step }) ?? 0) >= 3,
        step,
      );
      assert.equal(
        sample(text, 'brokerwatch_probe_step_seconds_bucket', { service: 'sleeper', step, le: '+Inf' }),
        sample(text, 'brokerwatch_probe_step_seconds_count', { service: 'sleeper', step }),
      );
    }
    assert.ok(
      (sample(text, 'brokerwatch_check_duration_seconds_count', { service: 'sleeper', rule: 'r1', test: 'port' }) ??
        0) >= 3,
    );
    assert.ok(
      (sample(text, 'brokerwatch_check_duration_seconds_count', { service: 'remote', test: 'port' }) ?? 0) >= 1,
    );
    const sum = sample(text, 'brokerwatch_probe_step_seconds_sum', { service: 'sleeper', step: 'delivery' }) ?? -1;
    assert.ok(sum >= 0 && sum < 6, `seconds, not milliseconds: ${sum}`);
  });

  void test('every cycle of every service is one schedule-lag sample', () => {
    const lag = sample(text, 'brokerwatch_schedule_lag_seconds_count') ?? 0;
    const cycles = ['sleeper', 'remote'].map(
      (s) => sample(text, 'brokerwatch_check_duration_seconds_count', { service: s, test: 'port' }) ?? 0,
    );
    // Every cycle of both services ran one port test, so no cycle escaped the hook (the sleeper's
    // first cycles, before its start, have no timing and are counted in the lag only).
    assert.ok(lag >= cycles.reduce((a, b) => a + b, 0), `lag ${lag} vs cycles ${cycles.join('+')}`);
    assert.ok((sample(text, 'brokerwatch_schedule_lag_seconds_bucket', { le: '0.05' }) ?? 0) >= 1);
  });

  void test("prom-client's process metrics, prefixed; nothing in the global registry", async () => {
    for (const name of [
      'brokerwatch_process_cpu_user_seconds_total',
      'brokerwatch_process_resident_memory_bytes',
      'brokerwatch_nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(sample(text, name) !== undefined, name);
    }
    assert.doesNotMatch(await globalRegistry.metrics(), /brokerwatch_/);
  });

  void test('unmonitor shows at the next scrape', async () => {
    assert.equal(
      (await f.inject({ method: 'POST', url: '/api/v1/services/remote/unmonitor', headers: adminJson })).statusCode,
      202,
    );
    const after = (await f.inject({ url: '/metrics', headers: auth })).body;
    assert.equal(sample(after, 'brokerwatch_service_monitored', { service: 'remote' }), 0);
  });

  void test('config/prometheus-alerts.yml uses only metrics that exist', () => {
    const rules = readFileSync(new URL('../../../config/prometheus-alerts.yml', import.meta.url), 'utf8');
    const exprs = [...rules.matchAll(/expr:\s*\|?\s*([\s\S]*?)(?=\n\s+(?:for|labels|annotations):)/g)].map(
      (m) => m[1] ?? '',
    );
    assert.ok(exprs.length >= 4, 'some alerting rules');
    const names = new Set(
      text
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0]),
    );
    for (const e of exprs) {
      for (const m of e.matchAll(/\bbrokerwatch_[a-z_]+\b/g))
        assert.ok(names.has(m[0]) || names.has(`${m[0]}_bucket`), `${m[0]} in ${e.trim()}`);
    }
  });
});
