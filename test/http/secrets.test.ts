// No secret of the rules file ever leaves: a daemon whose rules hold every kind (httpd passwords,
// mail server password, MQTT probe passwords, MQTT alert password, a webhook URL with a token) is
// asked every route, as every kind of client and with every kind of mistake, and every answer (body
// and headers) and every log line is searched for those strings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startBroker } from '../../demo/serve.js';
import type { DemoBroker } from '../../demo/serve.js';
import { collectSecrets } from '../../src/http/secrets.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { basic, sleeperBlock, startFixture } from './fixture.js';

const SECRETS = {
  admin: 'Adm1nPass-q8w7e6',
  guest: 'Gu3stPass-z5x4c3',
  mail: 'MailPass-v2b1n0',
  probe: 'Pr0bePass-m9k8j7',
  hostProbe: 'H0stProbe-h6g5f4',
  mqttAlert: 'MqttAlertPass-d3s2a1',
  webhookToken: 'HookT0ken-p0o9i8u7y6',
} as const;
const WEBHOOK = `https://hooks.example.com/services/T0001/B0002/${SECRETS.webhookToken}`;

void describe('secrets never leave', () => {
  let f: Fixture;
  let broker: DemoBroker;
  const answers: Array<{ what: string; res: LightMyRequestResponse }> = [];

  before(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    const closed = await freePort();
    f = await startFixture((dir) =>
      [
        'set mailserver smtp.example.com port 587 username "mailer" password "' + SECRETS.mail + '" using tls',
        'set alert ops@example.com',
        `set alert webhook "${WEBHOOK}" slack`,
        `set alert mqtt "mqtt://127.0.0.1:${closed}/brokerwatch/events" username "bw" password "${SECRETS.mqttAlert}"`,
        'set httpd port 2812 address 127.0.0.1',
        `  allow admin:${SECRETS.admin}`,
        `  allow guest:${SECRETS.guest} read-only`,
        '  allow 127.0.0.1',
        sleeperBlock(dir, 'sleeper', [
          `if failed host 127.0.0.1 port ${broker.port} protocol mqtt username "probe" password "${SECRETS.probe}" roundtrip qos 1 with timeout 2 seconds then alert`,
          `alert oncall@example.com`,
        ]),
        'check host remote with address 127.0.0.1',
        `  if failed port ${closed} protocol mqtt username "probe2" password "${SECRETS.hostProbe}" with timeout 1 seconds then alert`,
      ].join('\n'),
    );
    await waitFor(
      () =>
        f.daemon.runners().every((r) => r.status().lastCheckAt !== undefined) &&
        f.daemon.runner('sleeper')?.state.status === 'ok',
      {
        timeoutMs: 15_000,
        message: 'the services were never checked',
      },
    );
  });
  after(async () => {
    await f.close();
    await broker.close();
  });

  void test('the test knows every secret the rules hold', () => {
    const found = collectSecrets(f.daemon.config);
    for (const s of Object.values(SECRETS))
      assert.ok(
        found.some((x) => x.includes(s)),
        s,
      );
  });

  void test('every route, as everyone, with mistakes', async () => {
    const admin = { authorization: basic('admin', SECRETS.admin) };
    const guest = { authorization: basic('guest', SECRETS.guest) };
    const wrong = { authorization: basic('admin', `${SECRETS.admin}x`) };
    const reads = [
      '/api/v1/status',
      '/api/v1/services/sleeper',
      '/api/v1/services/remote',
      '/api/v1/services/nope',
      '/api/v1/events?limit=1000',
      '/api/v1/openapi.json',
      '/metrics',
      '/_status',
      '/_status?format=xml',
      '/_status2',
      '/_summary',
      '/_report',
      '/_ping',
      '/',
      '/nowhere',
    ];
    const ask = async (what: string, opts: InjectOptions): Promise<void> =>
      void answers.push({ what, res: await f.inject(opts) });
    for (const url of reads) {
      for (const [who, headers] of [
        ['admin', admin],
        ['guest', guest],
        ['network', {}],
        ['wrong', wrong],
        ['remote', {}],
      ] as const) {
        await ask(`${who} GET ${url}`, { url, headers, ...(who === 'remote' ? { remoteAddress: '10.0.0.1' } : {}) });
      }
    }
    for (const action of ['monitor', 'unmonitor', 'restart', 'nonsense']) {
      for (const [who, headers] of [
        ['admin', admin],
        ['guest', guest],
        ['network', {}],
        ['wrong', wrong],
      ] as const) {
        await ask(`${who} POST ${action}`, {
          method: 'POST',
          url: `/api/v1/services/remote/${action}`,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: '{}',
        });
      }
    }
    await ask('bad json', {
      method: 'POST',
      url: '/api/v1/services/remote/monitor',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: `{"password":"${SECRETS.admin}`,
    });
    await ask('form', {
      method: 'POST',
      url: '/api/v1/services/remote/monitor',
      headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    // The web page's forms, with a real token and with mistakes.
    const token = /name="csrf" value="([^"]+)"/.exec((await f.inject({ url: '/', headers: admin })).body)?.[1] ?? '';
    assert.ok(token, 'the admin page has forms');
    for (const action of ['monitor', 'unmonitor', 'nonsense']) {
      for (const [who, headers] of [
        ['admin', admin],
        ['guest', guest],
        ['network', {}],
        ['wrong', wrong],
      ] as const) {
        await ask(`${who} form ${action}`, {
          method: 'POST',
          url: `/actions/remote/${action}`,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          payload: `csrf=${encodeURIComponent(token)}`,
        });
      }
    }
    await ask('form with a password for a token', {
      method: 'POST',
      url: '/actions/remote/monitor',
      headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${SECRETS.admin}`,
    });
    f.reloadResult = { ok: false, errors: [`${f.rulesFile}:12:7: expected a user, found '${SECRETS.admin}'`] };
    await ask('refused reload', {
      method: 'POST',
      url: '/api/v1/reload',
      headers: { ...admin, 'content-type': 'application/json' },
    });
    await ask('refused reload by the page', {
      method: 'POST',
      url: '/actions/reload',
      headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${encodeURIComponent(token)}`,
    });
    // Status and events again, after the actions above produced events.
    await waitFor(() => f.daemon.runners().every((r) => !r.state.inFlight), { timeoutMs: 15_000 });
    for (const url of [
      '/api/v1/status',
      '/api/v1/events?limit=1000',
      '/_status',
      '/_status?format=xml',
      '/metrics',
      '/',
    ])
      await ask(`admin GET ${url} (after)`, { url, headers: admin });
    assert.ok(answers.length > 90);
  });

  void test('no answer and no log line holds a secret', () => {
    const found: string[] = [];
    for (const { what, res } of answers) {
      const text = `${JSON.stringify(res.headers)}\n${res.body}`;
      for (const [name, secret] of Object.entries(SECRETS)) if (text.includes(secret)) found.push(`${what}: ${name}`);
      if (text.includes(WEBHOOK) || text.includes('/services/T0001/B0002')) found.push(`${what}: webhook URL`);
    }
    for (const line of f.logText) {
      for (const [name, secret] of Object.entries(SECRETS))
        if (line.includes(secret)) found.push(`log: ${name}: ${line.slice(0, 200)}`);
    }
    assert.deepEqual(found, []);
    // The answers were real ones: the status, the events and the failure are there.
    const status = answers.find((a) => a.what === 'admin GET /api/v1/status (after)');
    assert.match(status?.res.body ?? '', /"name":"remote"/);
    assert.match(status?.res.body ?? '', /port-closed/);
    const page = answers.find((a) => a.what === 'admin GET / (after)');
    assert.match(page?.res.body ?? '', /id="svc-remote"[\s\S]*port-closed/);
    assert.ok(
      answers.some((a) => a.what === 'admin form monitor' && a.res.statusCode === 303),
      'a form was accepted',
    );
  });
});

void describe('the scrubber', () => {
  void test('masks a password as written and URL-encoded; a short one only as a whole word', async () => {
    const { Scrubber } = await import('../../src/http/secrets.js');
    const s = new Scrubber(['p@ss w0rd!', encodeURIComponent('p@ss w0rd!'), 'x1', 'ok']);
    assert.equal(s.scrub('login p@ss w0rd! failed'), 'login ******** failed');
    assert.equal(s.scrub('mqtt://bw:p%40ss%20w0rd!@127.0.0.1:1883/t'), 'mqtt://bw:********@127.0.0.1:1883/t');
    assert.equal(s.scrub('password x1 refused; box1 and x12 stay'), 'password ******** refused; box1 and x12 stay');
    assert.equal(s.scrub('ok: round trip ok.'), '********: round trip ********.', 'a password "ok" costs the word');
    assert.equal(s.scrub('broken, token'), 'broken, token');
  });
});
