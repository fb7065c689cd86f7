// Every protocol's step timings become `brokerwatch_probe_step_seconds{step}` samples, not only
// MQTT's: a ping test (its echo round trip as `response`), an HTTP test (connect, request,
// first_byte, body) and a WebSocket test (request, first_byte, response) of local servers, one
// sample per cycle, in seconds; and promtool still accepts the exposition with them. A scrape lets
// the event loop run between two metric families (a cycle due meanwhile is not held up by it all).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { PING_BIN } from '../../src/checks/ping/check.js';
import { Metrics } from '../../src/http/metrics.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
const PROMTOOL = '/usr/bin/promtool';

/** The value of `name{…labels…}`, labels in any order, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** `promtool check metrics` on TEXT: its exit code and what it said. */
function promtoolCheck(text: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(text);
  });
}

const STEPS: Record<string, readonly string[]> = {
  r1: ['response'],
  r2: ['connect', 'request', 'first_byte', 'body'],
  r3: ['connect', 'request', 'first_byte', 'response'],
};

void describe('probe steps of every protocol in /metrics', { skip: existsSync(PING_BIN) ? false : 'no ping' }, () => {
  let web: Server;
  let wss: WebSocketServer;
  let f: Fixture | undefined;
  let text = '';

  before(async () => {
    web = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    const webPort = (web.address() as AddressInfo).port;
    const wsPort = (wss.address() as AddressInfo).port;
    f = await startFixture(() =>
      [
        httpdBlock(),
        'check host lo with address 127.0.0.1',
        '  if failed ping count 1 with timeout 2 seconds then alert',
        `  if failed port ${webPort} protocol http request "/" then alert`,
        `  if failed port ${wsPort} protocol websocket request "/" then alert`,
      ].join('\n'),
    );
    // Two cycles of every rule, each handed to the metrics by the daemon's cycle hook.
    text = await waitFor(
      async () => {
        const t = (await f?.inject({ url: '/metrics', headers: auth }))?.body ?? '';
        const done = Object.entries(STEPS).every(([rule, steps]) =>
          steps.every(
            (step) => (sample(t, 'brokerwatch_probe_step_seconds_count', { service: 'lo', rule, step }) ?? 0) >= 2,
          ),
        );
        return done ? t : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: 'not every probe step in /metrics' },
    );
  });

  after(async () => {
    await f?.close();
    web?.closeAllConnections();
    await new Promise((resolve) => web?.close(resolve));
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  void test('each rule has its own steps, one sample per cycle, in seconds', () => {
    for (const [rule, steps] of Object.entries(STEPS)) {
      for (const step of steps) {
        const labels = { service: 'lo', rule, step };
        assert.equal(
          sample(text, 'brokerwatch_probe_step_seconds_bucket', { ...labels, le: '+Inf' }),
          sample(text, 'brokerwatch_probe_step_seconds_count', labels),
          `${rule} ${step}`,
        );
        const sum = sample(text, 'brokerwatch_probe_step_seconds_sum', labels) ?? -1;
        assert.ok(sum >= 0 && sum < 10, `${rule} ${step}: seconds, not milliseconds: ${sum}`);
      }
    }
    // A ping has no TCP steps; an HTTP test no `response`.
    assert.equal(sample(text, 'brokerwatch_probe_step_seconds_count', { rule: 'r1', step: 'connect' }), undefined);
    assert.equal(sample(text, 'brokerwatch_probe_step_seconds_count', { rule: 'r2', step: 'response' }), undefined);
    assert.match(text, /^# HELP brokerwatch_probe_step_seconds Duration of probe steps.*response \(ping echo/m);
  });

  void test('promtool check metrics accepts them', { skip: existsSync(PROMTOOL) ? false : 'no promtool' }, async () => {
    const r = await promtoolCheck(text);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '');
  });

  void test('a scrape lets the event loop run between families, and writes what the registry writes', async () => {
    const f0 = f as Fixture;
    const m = new Metrics(f0.daemon, f0.built.ctx.observer);
    try {
      let turns = 0;
      let done = false;
      const turn = (): void => {
        if (done) return;
        turns++;
        setImmediate(turn);
      };
      setImmediate(turn);
      const text = await m.text();
      done = true;
      const families = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('# TYPE '));
      assert.ok(turns >= families(text).length - 1, `${turns} turns of the loop during the scrape`);
      const whole = await m.registry.metrics();
      assert.deepEqual(families(text), families(whole));
      assert.equal(text.split('\n').length, whole.split('\n').length);
      assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'), 'one line break at the end, as the registry writes');
    } finally {
      m.close();
    }
  });
});
