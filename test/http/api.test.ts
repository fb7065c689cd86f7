// API v1 read routes through fastify's inject: the status of a supervised process, one service, the
// event stream's paging and bounds, the OpenAPI document, and the security headers on every answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceDto, StatusDto } from '../../src/http/dto.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, GUEST, adminJson, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';

const auth = { authorization: basic(GUEST.user, GUEST.password) };

void describe('API v1 (read)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) =>
      [
        httpdBlock(),
        sleeperBlock(dir, 'sleeper'),
        'check host elsewhere with address 127.0.0.1',
        '  if failed port 1 with timeout 1 seconds then alert',
      ].join('\n'),
    );
    // The daemon starts the sleeper and samples both services once.
    await waitFor(
      async () => {
        const s = (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>();
        return (
          s.services.every((x) => x.lastCheckAt !== null) &&
          s.services.find((x) => x.name === 'sleeper')?.status === 'ok'
        );
      },
      { timeoutMs: 10_000, message: 'the sleeper never ran' },
    );
  });
  after(() => f.close());

  void test('GET /api/v1/status describes the daemon and every service', async () => {
    const res = await f.inject({ url: '/api/v1/status', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const s = res.json<StatusDto>();
    assert.equal(s.daemon.name, 'brokerwatch');
    assert.match(s.daemon.version, /^\d+\.\d+\.\d+/);
    assert.equal(s.daemon.pid, process.pid);
    assert.equal(s.daemon.rulesFile, f.rulesFile);
    assert.equal(s.daemon.cycleSeconds, 1);
    assert.ok(s.daemon.uptimeSeconds >= 0);
    assert.deepEqual(
      s.services.map((x) => x.name),
      ['sleeper', 'elsewhere'],
    );
    const sleeper = s.services[0] as ServiceDto;
    assert.equal(sleeper.type, 'process');
    assert.equal(sleeper.status, 'ok');
    assert.equal(sleeper.failure, null);
    assert.ok(typeof sleeper.pid === 'number' && sleeper.pid > 1);
    assert.ok(typeof sleeper.uptimeSeconds === 'number' && sleeper.uptimeSeconds >= 0 && sleeper.uptimeSeconds < 60);
    assert.equal(sleeper.restarts, 1, 'the first start, made by the implicit existence rule');
    assert.equal(sleeper.checks[0]?.test, 'nonexist', 'the implicit existence rule');
    // Nothing of the Service object leaks: no start program, no pidfile path, no rules.
    assert.doesNotMatch(JSON.stringify(sleeper), /sleep 1000|\.pid|"rules"|"start"/);
    const elsewhere = s.services[1] as ServiceDto;
    assert.equal(elsewhere.type, 'host');
    assert.equal(elsewhere.pid, null);
    assert.equal(elsewhere.status, 'failed');
    assert.equal(elsewhere.failure?.class, 'port-closed');
    assert.equal(elsewhere.failure?.type, 'connection');
    assert.equal(elsewhere.checks[0]?.target, '127.0.0.1:1');
    assert.equal(elsewhere.monitor, 'monitored');
  });

  void test('GET /api/v1/services/:name: one service, 404 JSON for an unknown one', async () => {
    const res = await f.inject({ url: '/api/v1/services/sleeper', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ service: ServiceDto }>().service.name, 'sleeper');
    const missing = await f.inject({ url: '/api/v1/services/nope', headers: auth });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: { code: 'BW_UNKNOWN_SERVICE', message: "no service named 'nope'" } });
  });

  void test('GET /api/v1/events pages forward from since, bounded by limit', async () => {
    type Page = { events: Array<{ id: number; service: string; message: string }>; lastId: number; more: boolean };
    await waitFor(
      async () => (await f.inject({ url: '/api/v1/events', headers: auth })).json<Page>().events.length >= 2,
      { message: 'no events' },
    );
    const all = (await f.inject({ url: '/api/v1/events?limit=1000', headers: auth })).json<Page>();
    assert.ok(all.events.length >= 2);
    const ids = all.events.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'oldest first',
    );
    const first = (await f.inject({ url: '/api/v1/events?since=0&limit=1', headers: auth })).json<Page>();
    assert.equal(first.events.length, 1);
    assert.equal(first.more, true);
    const next = (await f.inject({ url: `/api/v1/events?since=${first.lastId}&limit=1`, headers: auth })).json<Page>();
    assert.equal(next.events[0]?.id, ids[1]);
    const latest = (await f.inject({ url: '/api/v1/events?limit=1', headers: auth })).json<Page>();
    assert.equal(latest.events[0]?.id, ids[ids.length - 1] ?? latest.events[0]?.id);
    const none = (await f.inject({ url: `/api/v1/events?since=${all.lastId + 100}`, headers: auth })).json<Page>();
    assert.deepEqual(none.events, []);
    for (const bad of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1e309',
      'since=-1',
      'since=1.5',
      'since=1e309',
      'since=1e300',
    ]) {
      const res = await f.inject({ url: `/api/v1/events?${bad}`, headers: auth });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'BW_BAD_REQUEST');
    }
  });

  void test('every answer carries the security headers; API answers are not cached', async () => {
    for (const url of ['/api/v1/status', '/api/v1/services/nope', '/nowhere', '/', '/metrics', '/_status']) {
      const res = await f.inject({ url, headers: auth });
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'DENY', url);
      // Pages send their origin to themselves (their forms' CSRF check needs it), nothing elsewhere.
      assert.equal(res.headers['referrer-policy'], url === '/' ? 'same-origin' : 'no-referrer', url);
      assert.equal(res.headers['cache-control'], 'no-store', url);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/, url);
    }
    const unauth = await f.inject({ url: '/api/v1/status' });
    assert.equal(unauth.headers['x-frame-options'], 'DENY');
  });

  void test('/ is the status page: HTML naming every service', async () => {
    const res = await f.inject({ url: '/', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    for (const s of (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>().services)
      assert.match(res.body, new RegExp(`id="svc-${s.name}"`));
    assert.match(res.body, /href="\/api\/v1\/status"/);
  });

  void test('GET /api/v1/openapi.json documents every route with the schemas in use', async () => {
    const res = await f.inject({ url: '/api/v1/openapi.json', headers: auth });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; summary: string }>>;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    const expected = [
      'get /api/v1/status',
      'get /api/v1/services/{name}',
      'get /api/v1/events',
      'get /api/v1/openapi.json',
      'post /api/v1/services/{name}/start',
      'post /api/v1/services/{name}/stop',
      'post /api/v1/services/{name}/restart',
      'post /api/v1/services/{name}/monitor',
      'post /api/v1/services/{name}/unmonitor',
      'post /api/v1/reload',
      'post /api/v1/quit',
      'get /metrics',
      'get /_status',
      'get /_status2',
      'get /_summary',
      'get /_report',
      'get /_ping',
      'get /',
      'post /_status',
      'post /_summary',
      'post /_report',
      'post /_doaction',
      'get /static/{file}',
      'get /login',
      'post /actions/{name}/{action}',
      'post /actions/reload',
    ];
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    assert.deepEqual([...documented].sort(), [...expected].sort());
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        assert.ok(op.summary, `${m} ${p} has a summary`);
        assert.ok(op.responses['200'] ?? op.responses['202'] ?? op.responses['303'], `${m} ${p} documents its success`);
        assert.ok(op.responses['401'], `${m} ${p} documents 401`);
      }
    }
    const restart = doc.paths['/api/v1/services/{name}/restart']?.post;
    for (const code of ['202', '401', '403', '404', '415', '429'])
      assert.ok(restart?.responses[code], `restart documents ${code}`);
  });

  void test('a real socket serves the same answers (HTTP/1.1, keep-alive)', async () => {
    const s = await f.listen();
    assert.equal(s.address, '127.0.0.1');
    assert.ok(s.port > 0);
    const base = `http://127.0.0.1:${s.port}`;
    const res = await fetch(`${base}/api/v1/status`, { headers: { authorization: basic(ADMIN.user, ADMIN.password) } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as StatusDto).services.length, 2);
    const ping = await fetch(`${base}/_ping`, { headers: auth });
    assert.equal(await ping.text(), 'pong');
    const denied = await fetch(`${base}/api/v1/status`);
    assert.equal(denied.status, 401);
    assert.match(String(denied.headers.get('www-authenticate')), /^Basic realm="brokerwatch"/);
  });
});

void describe('a crash with an alert-only rule', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) =>
      [httpdBlock(), sleeperBlock(dir, 'sleeper', ['if does not exist then alert'])].join('\n'),
    );
  });
  after(() => f.close());

  void test('the status shows no pid once the process is gone', async () => {
    const get = async (): Promise<ServiceDto> =>
      (await f.inject({ url: '/api/v1/services/sleeper', headers: auth })).json<{ service: ServiceDto }>().service;
    await waitFor(async () => (await get()).status === 'failed', { timeoutMs: 10_000, message: 'never failed' });
    assert.equal((await get()).pid, null, 'never started: alert only');
    assert.equal(
      (await f.inject({ method: 'POST', url: '/api/v1/services/sleeper/start', headers: adminJson })).statusCode,
      202,
    );
    const pid = await waitFor(async () => (await get()).pid, { timeoutMs: 10_000, message: 'never started' });
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await get()).pid === null, {
      timeoutMs: 10_000,
      message: 'the dead pid is still shown',
    });
    const s = await get();
    assert.equal(s.status, 'failed');
    assert.equal(s.failure?.type, 'nonexist');
    assert.equal(s.uptimeSeconds, null);
    assert.equal(s.restarts, 0, "an operator start is not one of brokerwatch's restarts");
  });
});
