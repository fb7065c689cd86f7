// Alertmanager as an alert target, against a real Alertmanager (0.25, Debian's): a real daemon's
// port test fails (nothing listens), and the failure is a firing alert there, with brokerwatch's
// labels, the configured ones and the event's words; while it lasts it is posted again (its endsAt
// moves on), and when the port opens its recovery resolves it, which Alertmanager notifies as
// "resolved". An Alertmanager that is down at first gets the alert from the queue once it is up.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { startAlerts } from '../../src/alerts/index.js';
import type { Alerts } from '../../src/alerts/index.js';
import { eventsOf, postableAlert, send } from '../../src/alerts/channels/alertmanager/send.js';
import type { AlertmanagerTarget } from '../../src/alerts/channels/alertmanager/syntax.js';
import type { Alert } from '../../src/alerts/types.js';
import { PermanentRejection } from '../../src/alerts/types.js';
import { startCollector } from '../mmonit/collector.js';
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';
import { Cleanup, HttpReceiver, rules, testLogger } from './fixtures.js';
import { startInProcess, testDir } from '../daemon/harness.js';
import type { InProcess } from '../daemon/harness.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { AlertmanagerPeer, GettableAlert } from './alertmanager-peer.js';
import { haveAlertmanager, startAlertmanager } from './alertmanager-peer.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

/** A daemon whose service `closed` tests PORT (closed until the test listens), alerting AMPORT. */
async function watchedPort(
  dir: string,
  port: number,
  amPort: number,
): Promise<{ d: InProcess; alerts: Alerts; lines: Array<Record<string, unknown>> }> {
  const rules = [
    // The start delay lets the alerts service subscribe before the first cycle.
    'set daemon 1 with start delay 1 second',
    `set statefile ${join(dir, 'state.json')}`,
    `set alert alertmanager "http://127.0.0.1:${amPort}" labels { team = "mqtt", env: "test" } resend every 2 seconds not on { instance }`,
    'check host closed with address 127.0.0.1',
    `  if failed port ${port} with timeout 1 second then alert`,
    '',
  ].join('\n');
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
  const { logger, lines } = testLogger();
  const alerts = await startAlerts(d.daemon, {
    config: d.daemon.config,
    logger,
    stateDir: dir,
    hostname: 'bw-host',
    httpUrl: 'http://127.0.0.1:2812/',
    closeGraceMs: 0,
    retry: { initialMs: 100, maxMs: 500 },
  });
  cleanup.add(() => alerts.close());
  return { d, alerts, lines };
}

/** Listens on PORT (the watched port opens: the test recovers). */
async function listen(port: number): Promise<Server> {
  const server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

const ours = (a: GettableAlert): boolean => a.labels.service === 'closed' && a.labels.event === 'connection';

async function firing(am: AlertmanagerPeer, message: string): Promise<GettableAlert> {
  return waitFor(async () => (await am.alerts()).find((a) => ours(a) && a.status.state === 'active'), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message,
  });
}

void describe('alertmanager channel, against a real Alertmanager', { skip: !haveAlertmanager }, () => {
  void test(
    'a failure fires with its labels, is re-sent while it lasts, and its recovery resolves it',
    { timeout: 90_000 },
    async () => {
      const dir = await testDir(cleanup, 'brokerwatch-am-');
      const hook = await HttpReceiver.start(cleanup);
      const amPort = await freePort();
      const am = await startAlertmanager(amPort, join(dir, 'am'), hook.url(), cleanup);
      const port = await freePort();
      await watchedPort(dir, port, amPort);

      const first = await firing(am, 'the failure never fired in Alertmanager');
      assert.deepEqual(first.labels, {
        alertname: 'BrokerwatchServiceFailed',
        service: 'closed',
        event: 'connection',
        host: 'bw-host',
        severity: 'critical',
        team: 'mqtt',
        env: 'test',
      });
      assert.equal(first.annotations.summary, 'closed: Connection failed');
      assert.match(first.annotations.description ?? '', new RegExp(`${port}`));
      // endsAt is 4 × max(resend 2 s, cycle 1 s) ahead: it stays firing only if posted again.
      const window = Date.parse(first.endsAt) - Date.now();
      assert.ok(window > 0 && window <= 8_500, `endsAt ${first.endsAt} is ${window} ms ahead`);
      const refreshed = await waitFor(
        async () =>
          (await am.alerts()).find((a) => ours(a) && Date.parse(a.endsAt) >= Date.parse(first.endsAt) + 1_000),
        { timeoutMs: 20_000, intervalMs: 200, message: 'the open failure was never re-sent' },
      );
      assert.equal(refreshed.startsAt, first.startsAt, 'a re-send is the same alert, from the same start');
      // Alertmanager notified it as firing, grouped by alertname and service.
      await waitFor(() => hook.posts.some((p) => p.body.status === 'firing'), {
        timeoutMs: 20_000,
        message: 'Alertmanager never notified the firing alert',
      });

      await listen(port);
      await waitFor(async () => !(await am.alerts()).some(ours), {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: 'the recovery never resolved the alert',
      });
      const resolved = await waitFor(
        () => hook.posts.find((p) => p.body.status === 'resolved')?.body as Record<string, unknown> | undefined,
        { timeoutMs: 20_000, message: 'Alertmanager never notified the resolution' },
      );
      const [alert] = resolved.alerts as Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
      assert.equal(alert?.labels.service, 'closed');
      assert.equal(alert?.annotations.summary, 'closed: Connection succeeded');
    },
  );

  void test(
    'an Alertmanager down at first gets the alert from the queue once it is up',
    { timeout: 90_000 },
    async () => {
      const dir = await testDir(cleanup, 'brokerwatch-am-');
      const hook = await HttpReceiver.start(cleanup);
      const amPort = await freePort();
      const port = await freePort();
      const { d, alerts, lines } = await watchedPort(dir, port, amPort);
      // The failure is queued and its delivery refused (nothing listens on amPort yet).
      await waitFor(() => d.events.some((e) => e.service === 'closed' && e.state === 'failed'), {
        timeoutMs: 20_000,
        message: 'the port test never failed',
      });
      await waitFor(() => alerts.queued() > 0 && lines.some((l) => Number(l.level) >= 40), {
        timeoutMs: 20_000,
        message: 'no refused delivery',
      });
      // Re-sends are not queued behind an alert that cannot go out: after more than the resend
      // interval (2 s) of cycles, the failure is still the only alert queued.
      let cycles = 0;
      d.daemon.onCycle(() => cycles++);
      await waitFor(() => cycles >= 4, { timeoutMs: 20_000, message: 'the daemon stopped cycling' });
      assert.equal(alerts.queued(), 1);
      const am = await startAlertmanager(amPort, join(dir, 'am'), hook.url(), cleanup);
      const a = await firing(am, 'the queued failure never reached Alertmanager');
      assert.equal(a.labels.alertname, 'BrokerwatchServiceFailed');
      await waitFor(() => alerts.queued() === 0, { timeoutMs: 10_000, message: 'the queue never emptied' });
    },
  );
});

void describe('alertmanager alerts, as posted', () => {
  const target: AlertmanagerTarget = {
    kind: 'alertmanager',
    url: 'http://am:9093',
    labels: { severity: 'warning' },
    resendMs: 60_000,
    timeoutMs: 10_000,
  };
  const base = { id: 1, service: 'mosquitto', type: 'nonexist', action: 'restart', message: 'gone' } as const;

  void test('a failure and its recovery have one label set; configured labels come last', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const failed = postableAlert(
      target,
      { ...base, state: 'failed', time: now - 5_000 },
      { host: 'h' },
      {},
      now,
      240_000,
    );
    const ok = postableAlert(target, { ...base, state: 'succeeded', time: now }, { host: 'h' }, {}, now, 240_000);
    assert.deepEqual(failed.labels, ok.labels);
    assert.equal(failed.labels.severity, 'warning');
    assert.equal(failed.endsAt, '2026-01-01T00:14:00.000Z');
    assert.equal(ok.endsAt, '2026-01-01T00:10:00.000Z', 'resolved at the recovery');
    assert.equal(failed.generatorURL, undefined);
  });

  void test("a summary posts each service's newest state once", () => {
    const e = (service: string, state: 'failed' | 'succeeded', time: number) => ({ ...base, service, state, time });
    const alert = {
      event: e('a', 'succeeded', 4),
      summary: { count: 3, events: [e('a', 'failed', 1), e('b', 'failed', 2), e('a', 'succeeded', 4)], from: 1, to: 4 },
    } as unknown as Alert;
    assert.deepEqual(
      eventsOf(alert).map((x) => `${x.service} ${x.state}`),
      ['a succeeded', 'b failed'],
    );
  });

  void test('credentials in the URL become basic auth, a path prefix is kept; 400 is refused for good', async () => {
    const collector = await startCollector(cleanup);
    const t: AlertmanagerTarget = { ...target, url: collector.url('bw:p%40ss', '/am/') };
    const config = await rules('check file f with path /etc/hostname');
    const env = { config, host: 'h', stateDir: '/nonexistent', logger: testLogger().logger };
    const alert = {
      host: 'h',
      kind: 'event',
      event: { ...base, state: 'failed', time: Date.now() },
    } as unknown as Alert;
    await send(t, alert, env, new AbortController().signal);
    const [push] = collector.pushes;
    assert.equal(push?.path, '/am/api/v2/alerts');
    assert.equal(push?.headers.authorization, `Basic ${Buffer.from('bw:p@ss').toString('base64')}`);
    assert.equal(push?.headers['content-type'], 'application/json');
    const body = JSON.parse(push?.body ?? '') as Array<{ labels: Record<string, string> }>;
    assert.equal(body.length, 1);
    assert.equal(body[0]?.labels.service, 'mosquitto');
    const refusing = createHttpServer((_req, res) => res.writeHead(400).end('bad label')).listen(0, '127.0.0.1');
    await once(refusing, 'listening');
    cleanup.add(() => new Promise<void>((resolve) => refusing.close(() => resolve())));
    const port = (refusing.address() as { port: number }).port;
    await assert.rejects(
      send({ ...target, url: `http://127.0.0.1:${port}` }, alert, env, new AbortController().signal),
      (err: Error) => err instanceof PermanentRejection && /HTTP 400: bad label/.test(err.message),
    );
  });
});
