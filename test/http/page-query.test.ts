// The page answers without the JSON-schema compilers (ajv, fast-json-stringify): it checks its query
// and writes its errors itself (src/http/page/query.ts), so a freshly started daemon's page does not
// wait for half of the server's code. The first API request loads them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaCompilersLoaded } from '../../src/http/lazy-schemas.js';
import { validatePageQuery } from '../../src/http/page/query.js';
import type { Fixture } from './fixture.js';
import { ADMIN, basic, httpdBlock, startFixture } from './fixture.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };

void describe('the page without the schema compilers', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture(() => httpdBlock());
  });
  after(() => f.close());

  void test('the page, its bad queries and its 401 answer before the compilers load; the API loads them', async () => {
    assert.equal(schemaCompilersLoaded(), false);
    const page = await f.inject({ url: '/?done=restart&service=web&id=3', headers: auth });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /^<!doctype html>/i);
    const bad = await f.inject({ url: '/?id=-1', headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /querystring\/id must be an integer/);
    assert.equal((await f.inject({ url: '/' })).statusCode, 401);
    assert.equal(schemaCompilersLoaded(), false, 'the page needed no compiler');
    const api = await f.inject({ url: '/api/v1/status', headers: auth });
    assert.equal(api.statusCode, 200);
    assert.equal(schemaCompilersLoaded(), true);
    const unknown = await f.inject({ url: '/api/v1/events?limit=abc', headers: auth });
    assert.equal(unknown.statusCode, 400, 'the API validates with ajv as before');
  });
});

void describe('validatePageQuery: what the schema allowed, as ajv read it', () => {
  void test('known fields coerced, unknown ones dropped', () => {
    assert.deepEqual(validatePageQuery({ done: 'reload', service: 'web', id: '42', extra: 'x' }), {
      value: { done: 'reload', service: 'web', id: 42 },
    });
    assert.deepEqual(validatePageQuery({}), { value: {} });
    assert.deepEqual(validatePageQuery(null), { value: {} });
    assert.deepEqual(validatePageQuery({ id: ['7'] }), { value: { id: 7 } });
  });

  void test('refused: an unknown action, a long name, a negative, fractional or repeated id', () => {
    for (const q of [
      { done: 'reboot' },
      { service: 'x'.repeat(257) },
      { id: '-1' },
      { id: '1.5' },
      { id: '' },
      { id: ['1', '2'] },
      { done: ['restart', 'stop'] },
    ]) {
      const r = validatePageQuery(q);
      assert.ok('error' in r, JSON.stringify(q));
      assert.match(r.error.message, /^querystring\//);
    }
    assert.ok('value' in validatePageQuery({ service: 'x'.repeat(256) }));
  });
});
