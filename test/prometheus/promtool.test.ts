// Prometheus's own checker on brokerwatch: `promtool check metrics` accepts GET /metrics (no gauge
// named like a counter), every failure counter is there at 0 from the first scrape (so increase()
// counts the first failure), the sample alerting and recording rules pass `promtool check rules` and
// their unit tests (`promtool test rules config/prometheus-*.test.yml`), and the sample scrape config
// that loads them passes `promtool check config`.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_CLASSES } from '../../src/checks/result.js';
import type { Fixture } from '../http/fixture.js';
import { ADMIN, basic, httpdBlock, sleeperBlock, startFixture } from '../http/fixture.js';

const PROMTOOL = '/usr/bin/promtool';
const CONFIG = fileURLToPath(new URL('../../../config/', import.meta.url));

/** Runs promtool with ARGS (and INPUT on stdin); resolves with its exit code and output. */
function promtool(args: readonly string[], input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { cwd: CONFIG, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(input ?? '');
  });
}

void describe('Prometheus: promtool on /metrics and on the sample rules', () => {
  let f: Fixture;
  const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
  before(async () => {
    f = await startFixture((dir) =>
      [
        httpdBlock(),
        sleeperBlock(dir, 'sleeper'),
        'check host remote with address 127.0.0.1',
        '  if failed port 1 then alert',
      ].join('\n'),
    );
  });
  after(() => f.close());

  void test('every failure counter exists from the first scrape, at 0 until that failure happens', async () => {
    const text = (await f.inject({ url: '/metrics', headers: auth })).body;
    for (const service of ['sleeper', 'remote']) {
      for (const c of FAILURE_CLASSES) {
        assert.match(
          text,
          new RegExp(`^brokerwatch_failures_total\\{service="${service}",class="${c}"\\} \\d+$`, 'm'),
          `${service} ${c}`,
        );
      }
    }
    assert.match(text, /^brokerwatch_failures_total\{service="sleeper",class="zombie"\} 0$/m);
    assert.match(text, /^brokerwatch_service_restarts_total\{service="remote"\} 0$/m);
  });

  void test('promtool check metrics accepts /metrics; no gauge ends in _total', async () => {
    const text = (await f.inject({ url: '/metrics', headers: auth })).body;
    const r = await promtool(['check', 'metrics'], text);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '');
    for (const kind of ['resources', 'handles', 'requests']) {
      assert.doesNotMatch(text, new RegExp(`^brokerwatch_nodejs_active_${kind}_total`, 'm'));
      assert.match(text, new RegExp(`^# TYPE brokerwatch_nodejs_active_${kind}_all_types gauge$`, 'm'));
      assert.match(text, new RegExp(`^brokerwatch_nodejs_active_${kind}_all_types \\d+$`, 'm'));
    }
    const gaugesNamedTotal = [...text.matchAll(/^# TYPE (\S+_total) (\S+)$/gm)]
      .filter((m) => m[2] !== 'counter')
      .map((m) => m[1]);
    assert.deepEqual(gaugesNamedTotal, []);
  });

  void test('promtool check rules and promtool test rules pass on config/', async () => {
    const check = await promtool(['check', 'rules', 'prometheus-alerts.yml']);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 7 rules found/);
    const unit = await promtool(['test', 'rules', 'prometheus-alerts.test.yml']);
    assert.equal(unit.code, 0, unit.out);
    assert.match(unit.out, /SUCCESS/);
  });

  void test('promtool check rules and promtool test rules pass on the recording rules', async () => {
    const check = await promtool(['check', 'rules', 'prometheus-recording.yml']);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 5 rules found/);
    const unit = await promtool(['test', 'rules', 'prometheus-recording.test.yml']);
    assert.equal(unit.code, 0, unit.out);
    assert.match(unit.out, /SUCCESS/);
  });

  void test('promtool check config accepts the scrape config and the rules files it names', async () => {
    const r = await promtool(['check', 'config', 'prometheus.yml']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: 2 rule files found/);
    assert.match(r.out, /Checking prometheus-recording\.yml\n\s+SUCCESS: 5 rules found/);
    assert.match(r.out, /Checking prometheus-alerts\.yml\n\s+SUCCESS: 7 rules found/);
  });

  void test('every recording rule has a unit test', async () => {
    const rules = await readFile(`${CONFIG}prometheus-recording.yml`, 'utf8');
    const tests = await readFile(`${CONFIG}prometheus-recording.test.yml`, 'utf8');
    const records = [...rules.matchAll(/^\s+- record: (\S+)$/gm)].map((m) => m[1] ?? '');
    assert.equal(records.length, 5);
    for (const r of records) assert.ok(tests.includes(`- expr: ${r}\n`), r);
  });

  void test('every sample alert has a unit test', async () => {
    const rules = await readFile(`${CONFIG}prometheus-alerts.yml`, 'utf8');
    const tests = await readFile(`${CONFIG}prometheus-alerts.test.yml`, 'utf8');
    const alerts = [...rules.matchAll(/^\s+- alert: (\S+)$/gm)].map((m) => m[1]);
    assert.ok(alerts.length >= 7);
    for (const a of alerts) {
      // A test that only says "quiet" proves nothing: each alert must be expected to fire once.
      assert.match(tests, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), a);
    }
  });
});
