// Who may do what: the auth matrix on every action route (no credentials, wrong password, unknown
// user, read-only user, admin), network entries (read only, and only with a Host naming this
// machine), the failed-login and action rate limits, and the JSON content type actions require.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { parseRules } from '../../src/config/loader.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, GUEST, adminJson, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';

const code = (res: LightMyRequestResponse): string => res.json<{ error: { code: string } }>().error.code;

/** Every action route and what an admin gets from it. */
function actionRoutes(): Array<{ url: string; ok: number }> {
  const out: Array<{ url: string; ok: number }> = [];
  for (const action of ['start', 'stop', 'restart', 'monitor', 'unmonitor']) {
    out.push(
      { url: `/api/v1/services/sleeper/${action}`, ok: 202 },
      { url: `/api/v1/services/all/${action}`, ok: 202 },
    );
  }
  out.push({ url: '/api/v1/reload', ok: 200 }, { url: '/api/v1/quit', ok: 202 });
  return out;
}

void describe('users and passwords', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) => [httpdBlock(), sleeperBlock(dir, 'sleeper')].join('\n'));
  });
  after(() => f.close());

  void test('the auth matrix: 401 without or with wrong credentials, 403 read-only, accepted for an admin', async () => {
    const cases: Array<{ who: string; headers: Record<string, string>; status: number; code?: string }> = [
      { who: 'nobody', headers: {}, status: 401, code: 'BW_UNAUTHORIZED' },
      {
        who: 'wrong password',
        headers: { authorization: basic(ADMIN.user, 'not-it') },
        status: 401,
        code: 'BW_UNAUTHORIZED',
      },
      {
        who: 'unknown user',
        headers: { authorization: basic('mallory', ADMIN.password) },
        status: 401,
        code: 'BW_UNAUTHORIZED',
      },
      { who: 'garbled header', headers: { authorization: 'Basic !!!' }, status: 401, code: 'BW_UNAUTHORIZED' },
      { who: 'bearer token', headers: { authorization: 'Bearer abc' }, status: 401, code: 'BW_UNAUTHORIZED' },
      {
        who: 'read-only user',
        headers: { authorization: basic(GUEST.user, GUEST.password) },
        status: 403,
        code: 'BW_FORBIDDEN',
      },
    ];
    for (const r of actionRoutes()) {
      for (const c of cases) {
        const res = await f.inject({
          method: 'POST',
          url: r.url,
          headers: { ...c.headers, 'content-type': 'application/json' },
          payload: '{}',
        });
        assert.equal(res.statusCode, c.status, `${c.who} POST ${r.url}`);
        assert.equal(code(res), c.code, `${c.who} POST ${r.url}`);
        if (c.status === 401) assert.match(String(res.headers['www-authenticate']), /^Basic realm="brokerwatch"/);
      }
      const res = await f.inject({ method: 'POST', url: r.url, headers: adminJson, payload: '{}' });
      assert.equal(res.statusCode, r.ok, `admin POST ${r.url}: ${res.body}`);
    }
    await waitFor(() => f.quits.length === 1, { message: 'quit was never called' });
    await delay(20);
    assert.equal(f.quits.length, 1, 'quit was called once, for the admin');
  });

  void test('reads: any user; nothing without credentials', async () => {
    for (const url of [
      '/api/v1/status',
      '/api/v1/events',
      '/metrics',
      '/_status',
      '/_summary',
      '/_ping',
      '/',
      '/api/v1/openapi.json',
    ]) {
      assert.equal((await f.inject({ url })).statusCode, 401, url);
      assert.equal(
        (await f.inject({ url, headers: { authorization: basic(GUEST.user, GUEST.password) } })).statusCode,
        200,
        url,
      );
      assert.equal(
        (await f.inject({ url, headers: { authorization: basic(ADMIN.user, ADMIN.password) } })).statusCode,
        200,
        url,
      );
    }
    // An unknown route tells nothing before login.
    assert.equal((await f.inject({ url: '/secret-route' })).statusCode, 401);
  });

  void test('an action is handed to the service and named in its events', async () => {
    const res = await f.inject({ method: 'POST', url: '/api/v1/services/sleeper/unmonitor', headers: adminJson });
    assert.equal(res.statusCode, 202);
    const body = res.json<{ actionId: number; service: string; action: string; services: string[] }>();
    assert.deepEqual(
      { ...body, actionId: 0 },
      { actionId: 0, service: 'sleeper', action: 'unmonitor', services: ['sleeper'] },
    );
    const next = (
      await f.inject({ method: 'POST', url: '/api/v1/services/sleeper/monitor', headers: adminJson })
    ).json<{ actionId: number }>();
    assert.ok(next.actionId > body.actionId, 'action ids grow');
    const events = f.daemon.events.since(0).filter((e) => e.message.includes(`admin via api, action ${body.actionId}`));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.action, 'unmonitor');
    const all = (await f.inject({ method: 'POST', url: '/api/v1/services/all/monitor', headers: adminJson })).json<{
      services: string[];
    }>();
    assert.deepEqual(all.services, ['sleeper']);
    const missing = await f.inject({ method: 'POST', url: '/api/v1/services/nope/restart', headers: adminJson });
    assert.equal(missing.statusCode, 404);
    assert.equal(code(missing), 'BW_UNKNOWN_SERVICE');
  });

  void test('actions need Content-Type application/json (a cross-site form cannot send it)', async () => {
    const url = '/api/v1/services/sleeper/monitor';
    const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
    const refused: Array<{ type?: string; payload?: string }> = [
      {},
      { type: 'text/plain', payload: '{}' },
      { type: 'application/x-www-form-urlencoded', payload: 'a=b' },
      { type: 'multipart/form-data; boundary=x', payload: '--x--' },
      { type: 'application/jsonp', payload: '{}' },
      { type: 'text/json', payload: '{}' },
    ];
    for (const r of refused) {
      const res = await f.inject({
        method: 'POST',
        url,
        headers: { ...auth, ...(r.type ? { 'content-type': r.type } : {}) },
        ...(r.payload !== undefined ? { payload: r.payload } : {}),
      });
      assert.equal(res.statusCode, 415, `content type ${r.type ?? '(none)'}`);
      assert.equal(code(res), 'BW_UNSUPPORTED_MEDIA');
    }
    for (const [type, payload] of [
      ['application/json', undefined],
      ['application/json', '{}'],
      ['application/json; charset=utf-8', '{"why":"test"}'],
      ['Application/JSON', '{}'],
    ] as const) {
      const res = await f.inject({
        method: 'POST',
        url,
        headers: { ...auth, 'content-type': type },
        ...(payload !== undefined ? { payload } : {}),
      });
      assert.equal(res.statusCode, 202, `${type} ${payload ?? '(no body)'}: ${res.body}`);
    }
    for (const payload of ['{', '[]', '"x"', '{"a":1}}']) {
      const res = await f.inject({ method: 'POST', url, headers: adminJson, payload });
      assert.equal(res.statusCode, 400, payload);
      assert.equal(code(res), 'BW_BAD_REQUEST');
    }
  });

  void test('a refused reload answers 422 with the positions of the errors only', async () => {
    f.reloadResult = {
      ok: false,
      errors: ["/etc/bw.rc:4:36: expected a number, found 'hunter2-password'", '/etc/bw.rc:9:11: unknown service'],
    };
    const res = await f.inject({ method: 'POST', url: '/api/v1/reload', headers: adminJson });
    f.reloadResult = { ok: true };
    assert.equal(res.statusCode, 422);
    const body = res.json<{ error: { code: string; details: string[] } }>();
    assert.equal(body.error.code, 'BW_RELOAD_REFUSED');
    assert.deepEqual(body.error.details, ['/etc/bw.rc:4:36', '/etc/bw.rc:9:11']);
    assert.doesNotMatch(res.body, /hunter2/);
  });
});

void describe('a reload', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) => [httpdBlock(), sleeperBlock(dir, 'sleeper')].join('\n'));
  });
  after(() => f.close());

  void test('changes users and passwords at once', async () => {
    const text = readFileSync(f.rulesFile, 'utf8')
      .replace(ADMIN.password, 'a-brand-new-password')
      .replace(/^ +allow guest.*$/m, '');
    await f.daemon.reload((await parseRules(text, f.rulesFile)).config);
    const status = async (user: string, password: string): Promise<number> =>
      (await f.inject({ url: '/api/v1/status', headers: { authorization: basic(user, password) } })).statusCode;
    assert.equal(await status(ADMIN.user, ADMIN.password), 401);
    assert.equal(await status(GUEST.user, GUEST.password), 401);
    assert.equal(await status(ADMIN.user, 'a-brand-new-password'), 200);
  });
});

void describe('network entries', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) =>
      [
        httpdBlock(['allow 127.0.0.1', 'allow 10.0.0.0/8', 'allow 192.168.1.0/255.255.255.0', 'allow fd00::/8']),
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
  });
  after(() => f.close());

  void test('an allowed address reads without a password but must log in to act', async () => {
    assert.equal((await f.inject({ url: '/api/v1/status' })).statusCode, 200);
    const act = await f.inject({
      method: 'POST',
      url: '/api/v1/services/sleeper/monitor',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(act.statusCode, 401);
    assert.equal(code(act), 'BW_UNAUTHORIZED');
    assert.equal(
      (await f.inject({ method: 'POST', url: '/api/v1/services/sleeper/monitor', headers: adminJson })).statusCode,
      202,
    );
    assert.equal(
      (
        await f.inject({
          method: 'POST',
          url: '/api/v1/services/sleeper/monitor',
          headers: { ...adminJson, authorization: basic(GUEST.user, GUEST.password) },
        })
      ).statusCode,
      403,
    );
  });

  void test('networks and masks match; other addresses need a user', async () => {
    const status = async (remoteAddress: string): Promise<number> =>
      (await f.inject({ url: '/api/v1/status', remoteAddress })).statusCode;
    for (const ip of ['10.1.2.3', '192.168.1.77', '::ffff:10.9.9.9', 'fd00::1'])
      assert.equal(await status(ip), 200, ip);
    for (const ip of ['11.0.0.1', '192.168.2.1', '127.0.0.2', '::1', 'fe80::1'])
      assert.equal(await status(ip), 401, ip);
    assert.equal(
      (
        await f.inject({
          url: '/api/v1/status',
          remoteAddress: '11.0.0.1',
          headers: { authorization: basic(GUEST.user, GUEST.password) },
        })
      ).statusCode,
      200,
    );
  });

  void test('a Host header naming another site (DNS rebinding) gets no password-less access', async () => {
    for (const host of ['evil.example.com', 'evil.example.com:2812', 'localhost.evil.example.com']) {
      assert.equal((await f.inject({ url: '/api/v1/status', headers: { host } })).statusCode, 401, host);
    }
    for (const host of ['127.0.0.1:2812', 'localhost', '[::1]:2812']) {
      assert.equal((await f.inject({ url: '/api/v1/status', headers: { host } })).statusCode, 200, host);
    }
    assert.equal(
      (
        await f.inject({
          url: '/api/v1/status',
          headers: { host: 'evil.example.com', authorization: basic(GUEST.user, GUEST.password) },
        })
      ).statusCode,
      200,
    );
  });
});

void describe('no allow entries', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) => ['set httpd port 2812', sleeperBlock(dir, 'sleeper')].join('\n'));
  });
  after(() => f.close());

  void test('local clients may read, nobody may act, and the log says why', async () => {
    assert.equal((await f.inject({ url: '/api/v1/status' })).statusCode, 200);
    assert.equal((await f.inject({ url: '/api/v1/status', remoteAddress: '10.0.0.1' })).statusCode, 401);
    assert.equal(
      (await f.inject({ method: 'POST', url: '/api/v1/services/sleeper/monitor', headers: adminJson })).statusCode,
      401,
    );
    assert.ok(f.logText.some((l) => l.includes("no 'allow' in set httpd")));
  });

  void test('`set httpd port N` without an address listens on 127.0.0.1 only', async () => {
    const s = await f.listen();
    assert.equal(s.address, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${s.port}/_ping`);
    assert.equal(await res.text(), 'pong');
  });
});

void describe('rate limits', () => {
  let f: Fixture;
  // The login window runs on the daemon's clock: exact, whatever the machine's load.
  const clock = new FakeClock();
  before(async () => {
    f = await startFixture(
      (dir) => [httpdBlock(), sleeperBlock(dir, 'sleeper')].join('\n'),
      { limits: { failedLogins: 3, loginWindowMs: 400, actionsPerMinute: 3 } },
      clock,
    );
  });
  after(() => f.close());

  void test('failed logins: past the limit a client is refused (429), even with the right password, until the window passes', async () => {
    const wrong = { authorization: basic(ADMIN.user, 'guess') };
    for (let i = 0; i < 3; i++)
      assert.equal((await f.inject({ url: '/api/v1/status', headers: wrong })).statusCode, 401);
    const locked = await f.inject({
      url: '/api/v1/status',
      headers: { authorization: basic(ADMIN.user, ADMIN.password) },
    });
    assert.equal(locked.statusCode, 429);
    assert.equal(code(locked), 'BW_RATE_LIMITED');
    assert.ok(locked.headers['retry-after']);
    // Another client is not affected.
    assert.equal(
      (
        await f.inject({
          url: '/api/v1/status',
          remoteAddress: '127.0.0.9',
          headers: { authorization: basic(ADMIN.user, ADMIN.password) },
        })
      ).statusCode,
      200,
    );
    // Still locked 1 ms before the first failure leaves the window, free at the moment it does.
    await clock.advance(399);
    assert.equal(
      (await f.inject({ url: '/api/v1/status', headers: { authorization: basic(ADMIN.user, ADMIN.password) } }))
        .statusCode,
      429,
    );
    await clock.advance(1);
    assert.equal(
      (await f.inject({ url: '/api/v1/status', headers: { authorization: basic(ADMIN.user, ADMIN.password) } }))
        .statusCode,
      200,
    );
    assert.ok(f.logText.some((l) => l.includes('login failed') && l.includes('"user":"admin"')));
  });

  void test('failed logins lock one user from one client: another user from that client still gets in', async () => {
    const from = { remoteAddress: '127.0.0.11' };
    const wrong = { authorization: basic(ADMIN.user, 'guess') };
    for (let i = 0; i < 3; i++)
      assert.equal((await f.inject({ url: '/api/v1/status', ...from, headers: wrong })).statusCode, 401);
    const admin = { authorization: basic(ADMIN.user, ADMIN.password) };
    assert.equal((await f.inject({ url: '/api/v1/status', ...from, headers: admin })).statusCode, 429);
    const guest = { authorization: basic(GUEST.user, GUEST.password) };
    assert.equal((await f.inject({ url: '/api/v1/status', ...from, headers: guest })).statusCode, 200);
    // Invented names share one count per client: they lock neither admin nor guest any further.
    for (let i = 0; i < 5; i++)
      await f.inject({ url: '/api/v1/status', ...from, headers: { authorization: basic(`nobody${i}`, 'x') } });
    assert.equal((await f.inject({ url: '/api/v1/status', ...from, headers: guest })).statusCode, 200);
    assert.equal(
      (await f.inject({ url: '/api/v1/status', ...from, headers: { authorization: basic('nobody9', 'x') } }))
        .statusCode,
      429,
    );
    assert.ok(f.logText.some((l) => l.includes('login refused') && l.includes('"user":"admin"')));
  });

  void test('failed logins of names that are no user are logged without the name', async () => {
    await f.inject({
      url: '/api/v1/status',
      remoteAddress: '127.0.0.7',
      headers: { authorization: basic('typed-password-here', 'x') },
    });
    assert.ok(!f.logText.some((l) => l.includes('typed-password-here')));
    assert.ok(f.logText.some((l) => l.includes('(unknown user)')));
  });

  void test('actions: at most N a minute per client', async () => {
    await waitFor(() => f.daemon.runner('sleeper')?.state.inFlight === undefined, { timeoutMs: 10_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await f.inject({
            method: 'POST',
            url: '/api/v1/services/sleeper/monitor',
            remoteAddress: '127.0.0.5',
            headers: adminJson,
          })
        ).statusCode,
      );
    assert.deepEqual(statuses, [202, 202, 202, 429]);
    const res = await f.inject({
      method: 'POST',
      url: '/api/v1/reload',
      remoteAddress: '127.0.0.5',
      headers: adminJson,
    });
    assert.equal(res.statusCode, 429, 'all actions share one budget');
    assert.equal(code(res), 'BW_RATE_LIMITED');
    // Reads are not limited.
    assert.equal(
      (await f.inject({ url: '/api/v1/status', remoteAddress: '127.0.0.5', headers: adminJson })).statusCode,
      200,
    );
  });
});
