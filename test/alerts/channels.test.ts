// The other channels, each against a real peer: a webhook receiver (node:http), an MQTT subscriber
// on a real mosquitto, an exec script reading monit's variables, and the .eml outbox used when no
// mail server is set. A webhook and an MQTT subscriber see the same events, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { startAlerts } from '../../src/alerts/index.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { startMosquitto, writePasswordFile } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, FakeDaemon, HttpReceiver, crash, recovery, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());
const LIMIT = { timeout: 30_000 };
const FAST = { initialMs: 20, maxMs: 100 };
const mosquitto = 'check process mosquitto with pidfile /run/mosquitto.pid';

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
  cleanup.add(() => broker.stop());
});

async function subscriber(
  topic: string,
): Promise<{ client: MqttClient; messages: Array<{ retain: boolean; body: Record<string, unknown> }> }> {
  const client = await connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: `bw-alert-sub-${process.pid}`,
    reconnectPeriod: 0,
  });
  cleanup.add(() => client.endAsync(true));
  const messages: Array<{ retain: boolean; body: Record<string, unknown> }> = [];
  client.on('message', (t, payload, packet) => {
    if (t === topic)
      messages.push({ retain: packet.retain, body: JSON.parse(payload.toString()) as Record<string, unknown> });
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

void describe('webhook, MQTT, exec and outbox channels', () => {
  void test('a webhook receiver and an MQTT subscriber get the same events, in order', LIMIT, async () => {
    const hook = await HttpReceiver.start(cleanup);
    const sub = await subscriber('bw/alerts');
    const config = await rules(
      [
        `set alert webhook "${hook.url()}" timeout 2 s not on { instance }`,
        `set alert mqtt "mqtt://127.0.0.1:${broker.port}/bw/alerts" qos 1 not on { instance }`,
        mosquitto,
      ].join('\n'),
    );
    const daemon = new FakeDaemon();
    const alerts = await startAlerts(daemon, {
      config,
      logger: testLogger().logger,
      stateDir: await stateDir(cleanup),
      hostname: 'broker-host',
      httpUrl: 'http://127.0.0.1:2812/',
      retry: FAST,
      closeGraceMs: 0,
    });
    cleanup.add(() => alerts.close());
    daemon.events.publish(crash());
    daemon.events.publish({
      service: 'mosquitto',
      type: 'pid',
      state: 'changed',
      action: 'alert',
      message: 'pid changed from 4242 to 4343',
      time: Date.now(),
    });
    daemon.events.publish(recovery());
    await alerts.flush();
    await waitFor(() => sub.messages.length === 3, { message: 'three MQTT messages' });
    const strip = (b: Record<string, unknown>): string =>
      `${String(b.service)} ${String(b.event)} ${String(b.state)} ${String(b.description)}`;
    const want = [
      'mosquitto nonexist failed Does not exist',
      'mosquitto pid changed PID changed',
      'mosquitto nonexist succeeded Exists',
    ];
    assert.deepEqual(
      hook.posts.map((p) => strip(p.body)),
      want,
    );
    assert.deepEqual(
      sub.messages.map((m) => strip(m.body)),
      want,
    );
    const first = hook.posts[0]?.body;
    assert.equal(first?.host, 'broker-host');
    assert.equal(first?.class, 'process-missing');
    assert.equal(first?.action, 'restart');
    assert.equal(first?.url, 'http://127.0.0.1:2812/');
    assert.equal(hook.posts[0]?.headers['content-type'], 'application/json');
    assert.equal(hook.posts[0]?.headers['idempotency-key'], first?.id);
    // The same events, but each recipient has its own alert (and id).
    assert.notEqual(sub.messages[0]?.body.id, first?.id);
    assert.equal(sub.messages[0]?.retain, false);
  });

  void test('slack: a Slack-compatible body; a non-2xx answer is retried until accepted', LIMIT, async () => {
    const hook = await HttpReceiver.start(cleanup);
    hook.status = 503;
    const config = await rules(
      `set alert webhook "${hook.url('/services/T000/B000/XXXX')}" slack not on { instance }\n${mosquitto}`,
    );
    const daemon = new FakeDaemon();
    const { logger, lines } = testLogger();
    const alerts = await startAlerts(daemon, {
      config,
      logger,
      stateDir: await stateDir(cleanup),
      hostname: 'broker-host',
      retry: FAST,
      closeGraceMs: 0,
    });
    cleanup.add(() => alerts.close());
    daemon.events.publish(crash());
    await waitFor(() => lines.filter((l) => l.msg === 'alert not delivered; will retry').length >= 2, {
      message: 'two refused POSTs',
    });
    const failure = lines.find((l) => l.msg === 'alert not delivered; will retry');
    assert.match(String(failure?.error), /HTTP 503/);
    // The webhook's path is its secret: never logged.
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('XXXX')), 'the webhook path is logged');
    hook.status = 200;
    await alerts.flush();
    assert.equal(hook.posts.length, 1);
    const body = hook.posts[0]?.body as {
      text: string;
      attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }>;
    };
    assert.equal(body.text, '[broker-host] mosquitto: Does not exist (process-missing)');
    assert.equal(body.attachments[0]?.color, 'danger');
    assert.deepEqual(
      body.attachments[0]?.fields.map((f) => `${f.title}=${f.value}`),
      ['Host=broker-host', 'State=failed', 'Action=restart', 'Class=process-missing'],
    );
  });

  void test(
    'MQTT with credentials, QoS 2 and retain, to another broker than the one watched; a refused login is retried',
    LIMIT,
    async () => {
      const dir = await stateDir(cleanup);
      const passwordFile = join(dir, 'passwd');
      await writePasswordFile(passwordFile, { bw: 'pw', reader: 'rd' });
      const secured = await startMosquitto({ passwordFile });
      cleanup.add(() => secured.stop());
      const target = (password: string): string =>
        `set alert mqtt "mqtt://127.0.0.1:${secured.port}/bw/retained" username bw password ${password} qos 2 retain not on { instance }\n${mosquitto}`;
      const daemon = new FakeDaemon();
      const { logger, lines } = testLogger();
      const alerts = await startAlerts(daemon, {
        config: await rules(target('nope')),
        logger,
        stateDir: dir,
        retry: FAST,
        closeGraceMs: 0,
      });
      cleanup.add(() => alerts.close());
      daemon.events.publish(crash());
      await waitFor(() => lines.some((l) => l.msg === 'alert not delivered; will retry'), {
        message: 'a refused login',
      });
      assert.match(
        String(lines.find((l) => l.msg === 'alert not delivered; will retry')?.error),
        /Not authorized|Bad user name or password|refused/i,
      );
      alerts.reload(await rules(target('pw')));
      await alerts.flush();
      // A subscriber that comes later still finds the retained alert.
      const late = await connectAsync({
        host: '127.0.0.1',
        port: secured.port,
        clientId: `bw-alert-late-${process.pid}`,
        username: 'reader',
        password: 'rd',
        reconnectPeriod: 0,
      });
      cleanup.add(() => late.endAsync(true));
      const got = new Promise<{ retain: boolean; body: Record<string, unknown> }>((resolve) =>
        late.on('message', (_t, payload, packet) =>
          resolve({ retain: packet.retain, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
        ),
      );
      await late.subscribeAsync('bw/retained', { qos: 1 });
      const m = await got;
      assert.equal(m.retain, true);
      assert.equal(m.body.event, 'nonexist');
      assert.equal(m.body.service, 'mosquitto');
    },
  );

  void test('exec: the script gets monit`s MONIT_* variables and brokerwatch`s own', LIMIT, async () => {
    const dir = await stateDir(cleanup);
    const out = join(dir, 'env.txt');
    const config = await rules(`set alert exec "/bin/sh -c 'env > ${out}'" not on { instance }\n${mosquitto}`);
    const daemon = new FakeDaemon();
    const alerts = await startAlerts(daemon, {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      hostname: 'broker-host',
      retry: FAST,
      closeGraceMs: 0,
    });
    cleanup.add(() => alerts.close());
    daemon.events.publish(crash());
    await alerts.flush();
    const env = Object.fromEntries(
      (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.MONIT_SERVICE, 'mosquitto');
    assert.equal(env.MONIT_EVENT, 'Does not exist');
    assert.equal(env.MONIT_DESCRIPTION, 'process 4242 (mosquitto) is gone');
    assert.equal(env.MONIT_HOST, 'broker-host');
    assert.match(env.MONIT_DATE ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d$/);
    assert.equal(env.BROKERWATCH_STATE, 'failed');
    assert.equal(env.BROKERWATCH_CLASS, 'process-missing');
    assert.equal(env.BROKERWATCH_ACTION, 'restart');
  });

  void test('no mail server: mails are written as .eml files to STATEDIR/outbox', LIMIT, async () => {
    const dir = await stateDir(cleanup);
    const config = await rules(`set alert ops@example.com not on { instance }\n${mosquitto}`);
    const daemon = new FakeDaemon();
    const alerts = await startAlerts(daemon, {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      hostname: 'broker-host',
      closeGraceMs: 0,
    });
    cleanup.add(() => alerts.close());
    daemon.events.publish(crash());
    daemon.events.publish(recovery());
    await alerts.flush();
    const files = (await readdir(join(dir, 'outbox'))).sort();
    assert.equal(files.length, 2);
    assert.ok(files.every((f) => f.endsWith('.eml')));
    const mails = await Promise.all(files.map(async (f) => simpleParser(await readFile(join(dir, 'outbox', f)))));
    const subjects = mails.map((m) => m.subject).sort();
    assert.deepEqual(subjects, [
      'brokerwatch alert -- Does not exist mosquitto',
      'brokerwatch alert -- Exists mosquitto',
    ]);
    assert.equal(mails[0]?.to && !Array.isArray(mails[0].to) ? mails[0].to.text : '', 'ops@example.com');
  });
});
