// The web status page through inject: what each kind of viewer sees (buttons for admins only), the
// forms' CSRF protection (token, user binding, Origin and Sec-Fetch-Site), the one control path, the
// 303 back to the page, HTML error pages, the static files, and a page that obeys its own CSP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startBroker } from '../../demo/serve.js';
import type { DemoBroker } from '../../demo/serve.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, GUEST, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';

const admin = { authorization: basic(ADMIN.user, ADMIN.password) };
const guest = { authorization: basic(GUEST.user, GUEST.password) };
const OPS = { user: 'ops', password: '0ps-Secret-pw' };
const ops = { authorization: basic(OPS.user, OPS.password) };
const FORM = 'application/x-www-form-urlencoded';

/** The first csrf token of a page. */
function tokenOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m?.[1], 'the page has a csrf token');
  return m[1];
}

const codeOf = (res: LightMyRequestResponse): string | undefined =>
  /<span class="host">(BW_[A-Z_]+)<\/span>/.exec(res.body)?.[1];

void describe('the web status page', () => {
  let f: Fixture;
  let broker: DemoBroker;
  before(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0 });
    f = await startFixture((dir) =>
      [
        httpdBlock([`allow ${OPS.user}:${OPS.password}`, 'allow 127.0.0.1']),
        sleeperBlock(dir, 'sleeper', [
          `if failed host 127.0.0.1 port ${broker.port} protocol mqtt roundtrip qos 1 with timeout 2 seconds then restart`,
        ]),
        'check host remote with address 127.0.0.1',
        `  if failed port ${broker.port} with timeout 1 seconds then alert`,
      ].join('\n'),
    );
    await waitFor(
      () =>
        f.daemon.runner('sleeper')?.state.status === 'ok' &&
        f.built.ctx.observer.latency.series('sleeper').points.length > 0,
      {
        timeoutMs: 15_000,
        message: 'the sleeper never became ok with a probe sample',
      },
    );
  });
  after(async () => {
    await f.close();
    await broker.close();
  });

  void test('an admin sees every service with status, restarts, a latency chart, events and buttons', async () => {
    const res = await f.inject({ url: '/', headers: admin });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    const html = res.body;
    assert.match(html, /<tr id="svc-sleeper" data-status="ok">/);
    assert.match(html, /<tr id="svc-remote" data-status="ok">/);
    assert.match(html, /<span class="badge ok">ok<\/span>/);
    assert.match(
      html,
      /<figure class="latency" data-service="sleeper">[\s\S]*?<svg class="chart"[\s\S]*?(?:<polyline class="avg"|<circle class="avg-dot")/,
    );
    assert.match(html, /round trip/);
    assert.match(html, /failed of \d+ probes/);
    assert.match(html, /<table class="events">[\s\S]*sleeper/);
    // One form holds the token; every button posts it to its own action.
    assert.equal(html.match(/name="csrf"/g)?.length, 2, 'the buttons form and the reload form');
    assert.match(html, /<form id="act" method="post" action="\/"><input type="hidden" name="csrf"/);
    for (const a of ['restart', 'stop', 'unmonitor'])
      assert.match(html, new RegExp(`<button type="submit" form="act" formaction="/actions/sleeper/${a}"`), a);
    // The sleeper runs: Start is not offered.
    assert.doesNotMatch(html, /formaction="\/actions\/sleeper\/start"/);
    // A host has no process to start or stop.
    assert.doesNotMatch(html, /formaction="\/actions\/remote\/restart"/);
    assert.match(html, /formaction="\/actions\/remote\/unmonitor"/);
    assert.match(html, /action="\/actions\/reload"/);
    assert.match(html, /<details class="rules"><summary>\d rules?<\/summary>/);
  });

  void test('a read-only user and a network client see the same page without any form', async () => {
    for (const [who, headers] of [
      ['guest', guest],
      ['network', {}],
    ] as const) {
      const res = await f.inject({ url: '/', headers });
      assert.equal(res.statusCode, 200, who);
      assert.match(res.body, /id="svc-sleeper"/, who);
      assert.doesNotMatch(res.body, /<form|name="csrf"|<button/, who);
      assert.match(res.body, who === 'guest' ? /signed in as guest \(read-only\)/ : /read-only \(network\)/);
    }
  });

  void test('no credentials and no allowed address: 401 with the basic-auth challenge', async () => {
    const res = await f.inject({ url: '/', remoteAddress: '10.1.2.3' });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^Basic realm="brokerwatch"/);
    assert.match(String(res.headers['content-type']), /^text\/html/);
  });

  void test('a button restarts through the one control path and sends the browser back (303)', async () => {
    const page = (await f.inject({ url: '/', headers: admin })).body;
    const before = f.daemon.events.nextId;
    const res = await f.inject({
      method: 'POST',
      url: '/actions/sleeper/restart',
      headers: { ...admin, 'content-type': FORM, origin: 'http://localhost:80', host: 'localhost:80' },
      payload: `csrf=${encodeURIComponent(tokenOf(page))}`,
    });
    assert.equal(res.statusCode, 303, res.body);
    const m = /^\/\?done=restart&service=sleeper&id=(\d+)$/.exec(String(res.headers.location));
    assert.ok(m, String(res.headers.location));
    const event = await waitFor(
      () =>
        f.daemon.events
          .since(before - 1)
          .find((e) => e.service === 'sleeper' && e.message.includes(`via web page, action ${m[1]}`)),
      { timeoutMs: 5_000, message: 'no event names the action' },
    );
    assert.match(event.message, /^restart requested by admin via web page/);
    const back = await f.inject({ url: String(res.headers.location), headers: admin });
    assert.match(
      back.body,
      new RegExp(`<p class="notice ok" role="status">restart of sleeper requested \\(action ${m[1]}\\)`),
    );
    await waitFor(
      () => f.daemon.runner('sleeper')?.state.status === 'ok' && !f.daemon.runner('sleeper')?.status().actionRunning,
      { timeoutMs: 15_000, message: 'the sleeper did not come back' },
    );
  });

  void test('forms without a valid token, or from another site, are refused', async () => {
    const token = tokenOf((await f.inject({ url: '/', headers: admin })).body);
    const opsToken = tokenOf((await f.inject({ url: '/', headers: ops })).body);
    const post = (headers: Record<string, string>, payload: string): Promise<LightMyRequestResponse> =>
      f.inject({
        method: 'POST',
        url: '/actions/sleeper/unmonitor',
        headers: { 'content-type': FORM, ...headers },
        payload,
      });
    const cases: Array<[string, Promise<LightMyRequestResponse>, number, string]> = [
      ['no token', post(admin, ''), 403, 'BW_CSRF'],
      ['a forged token', post(admin, `csrf=${token.slice(0, -2)}xx`), 403, 'BW_CSRF'],
      ["another user's token", post(admin, `csrf=${encodeURIComponent(opsToken)}`), 403, 'BW_CSRF'],
      [
        'another Origin',
        post({ ...admin, origin: 'https://evil.example' }, `csrf=${encodeURIComponent(token)}`),
        403,
        'BW_CSRF',
      ],
      ['an opaque Origin', post({ ...admin, origin: 'null' }, `csrf=${encodeURIComponent(token)}`), 403, 'BW_CSRF'],
      [
        'Sec-Fetch-Site cross-site',
        post({ ...admin, 'sec-fetch-site': 'cross-site' }, `csrf=${encodeURIComponent(token)}`),
        403,
        'BW_CSRF',
      ],
      [
        'Sec-Fetch-Site same-site (a sibling host)',
        post({ ...admin, 'sec-fetch-site': 'same-site' }, `csrf=${encodeURIComponent(token)}`),
        403,
        'BW_CSRF',
      ],
      [
        'an Origin on another port',
        post(
          { ...admin, host: 'status.example', origin: 'http://status.example:8080' },
          `csrf=${encodeURIComponent(token)}`,
        ),
        403,
        'BW_CSRF',
      ],
      ['a read-only user', post(guest, `csrf=${encodeURIComponent(token)}`), 403, 'BW_FORBIDDEN'],
      ['a network client', post({}, `csrf=${encodeURIComponent(token)}`), 401, 'BW_UNAUTHORIZED'],
      [
        'JSON instead of a form',
        f.inject({
          method: 'POST',
          url: '/actions/sleeper/unmonitor',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: JSON.stringify({ csrf: token }),
        }),
        415,
        'BW_UNSUPPORTED_MEDIA',
      ],
      [
        'a huge form',
        post(admin, `csrf=${encodeURIComponent(token)}&x=${'a'.repeat(10_000)}`),
        413,
        'BW_PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.match(String(res.headers['content-type']), /^text\/html/, what);
      assert.equal(codeOf(res), code, what);
    }
    assert.equal(f.daemon.runner('sleeper')?.state.monitor !== 'not-monitored', true, 'nothing was unmonitored');
  });

  void test('behind a TLS-terminating proxy (Origin https, Host as sent) the form is accepted', async () => {
    const token = tokenOf((await f.inject({ url: '/', headers: admin })).body);
    for (const headers of [
      { origin: 'https://status.example', host: 'status.example' },
      { 'sec-fetch-site': 'same-origin', origin: 'https://status.example', host: 'status.example' },
    ]) {
      const res = await f.inject({
        method: 'POST',
        url: '/actions/sleeper/monitor',
        headers: { ...admin, ...headers, 'content-type': FORM },
        payload: `csrf=${encodeURIComponent(token)}`,
      });
      assert.equal(res.statusCode, 303, JSON.stringify(headers));
    }
  });

  void test('a browser let in by its address can sign in for the buttons; the page files need no password', async () => {
    const network = await f.inject({ url: '/' });
    assert.match(network.body, /<a href="\/login">sign in to act<\/a>/);
    const ask = await f.inject({ url: '/login' });
    assert.equal(ask.statusCode, 401);
    assert.match(String(ask.headers['www-authenticate']), /^Basic /);
    const signed = await f.inject({ url: '/login', headers: admin });
    assert.equal(signed.statusCode, 303);
    assert.equal(signed.headers.location, '/');
    const css = /href="(\/static\/page\.[0-9a-f]+\.css)"/.exec(network.body)?.[1] ?? '';
    assert.equal(
      (await f.inject({ url: css, remoteAddress: '10.9.9.9' })).statusCode,
      200,
      'a stylesheet for the 401 page of anyone',
    );
    assert.equal((await f.inject({ url: '/', remoteAddress: '10.9.9.9' })).statusCode, 401, 'but not the page');
  });

  void test('unknown services and actions get HTML errors, never a 500', async () => {
    const token = tokenOf((await f.inject({ url: '/', headers: admin })).body);
    const post = (url: string): Promise<LightMyRequestResponse> =>
      f.inject({
        method: 'POST',
        url,
        headers: { ...admin, 'content-type': FORM },
        payload: `csrf=${encodeURIComponent(token)}`,
      });
    const unknown = await post('/actions/nope/restart');
    assert.equal(unknown.statusCode, 404);
    assert.equal(codeOf(unknown), 'BW_UNKNOWN_SERVICE');
    assert.equal((await post('/actions/sleeper/explode')).statusCode, 400);
    assert.equal((await post('/actions/%3Cscript%3E/restart')).body.includes('<script>'), false, 'the name is escaped');
    assert.equal((await f.inject({ url: '/?done=nonsense', headers: admin })).statusCode, 400);
    // A notice is shown only for a service there is: the address cannot make the page say anything.
    const odd = await f.inject({ url: '/?done=restart&service=%3Cimg%20src%3Dx%3E&id=3', headers: admin });
    assert.equal(odd.statusCode, 200);
    assert.doesNotMatch(odd.body, /<img src=x>|class="notice/);
  });

  void test('the reload button reloads through the same path as the API', async () => {
    const token = tokenOf((await f.inject({ url: '/', headers: admin })).body);
    const ok = await f.inject({
      method: 'POST',
      url: '/actions/reload',
      headers: { ...admin, 'content-type': FORM },
      payload: `csrf=${encodeURIComponent(token)}`,
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/?done=reload');
    f.reloadResult = { ok: false, errors: [`${f.rulesFile}:3:7: unknown word 'secret-ish'`] };
    try {
      const bad = await f.inject({
        method: 'POST',
        url: '/actions/reload',
        headers: { ...admin, 'content-type': FORM },
        payload: `csrf=${encodeURIComponent(token)}`,
      });
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, new RegExp(`<code>${f.rulesFile}:3:7</code>`));
      assert.doesNotMatch(bad.body, /secret-ish/, 'only the positions');
    } finally {
      f.reloadResult = { ok: true };
    }
  });

  void test('the chart outlives the server: saved beside the state file, read back by the next', async () => {
    const before = f.built.ctx.observer.latency.series('sleeper');
    assert.ok(before.points.length > 0);
    // What close() does, and the minute timer: latency.json in the state folder.
    await f.built.ctx.observer.save();
    const { buildHttpServer } = await import('../../src/http/server.js');
    const next = await buildHttpServer(f.daemon, { ...f.built.ctx.opts });
    try {
      const slots = new Set(next.ctx.observer.latency.series('sleeper').points.map((p) => p.t));
      for (const p of before.points) assert.ok(slots.has(p.t), `slot ${p.t} read back`);
    } finally {
      await next.close();
    }
  });

  void test('the page obeys its CSP: no inline script or style; its files are served and cached for good', async () => {
    const res = await f.inject({ url: '/', headers: admin });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /form-action 'self'/);
    assert.doesNotMatch(res.body, /<script(?![^>]*\bsrc=)/, 'no inline script');
    assert.doesNotMatch(res.body, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
    const css = /<link rel="stylesheet" href="(\/static\/page\.[0-9a-f]+\.css)">/.exec(res.body)?.[1];
    const js = /<script src="(\/static\/page\.[0-9a-f]+\.js)" defer>/.exec(res.body)?.[1];
    assert.ok(css && js);
    for (const [url, type] of [
      [css, /^text\/css/],
      [js, /^text\/javascript/],
    ] as const) {
      const file = await f.inject({ url, headers: admin });
      assert.equal(file.statusCode, 200, url);
      assert.match(String(file.headers['content-type']), type);
      assert.match(String(file.headers['cache-control']), /immutable/);
    }
    assert.equal((await f.inject({ url: '/static/page.0000.css', headers: admin })).statusCode, 404);
    assert.equal((await f.inject({ url: '/static/..%2F..%2Fetc%2Fpasswd', headers: admin })).statusCode, 404);
  });
});
