// GET /api/v1/status answers from kept DTOs and a kept text (status-memo.ts): on a running daemon it
// must still show every cycle, every operator action and every reload as soon as it has happened,
// and say exactly what a status built from scratch says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRules } from '../../src/config/loader.js';
import type { StatusDto } from '../../src/http/dto.js';
import { serviceDto } from '../../src/http/dto.js';
import { Scrubber } from '../../src/http/secrets.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { adminJson, httpdBlock, startFixture } from './fixture.js';

let f: Fixture;
const files = (dir: string, names: readonly string[]): string =>
  names
    .map((n) => [`check file ${n} with path ${join(dir, n)}`, '  if does not exist then alert'].join('\n'))
    .join('\n');

before(async () => {
  f = await startFixture((dir) => [httpdBlock(), files(dir, ['a', 'b'])].join('\n'));
});
after(() => f.close());

async function status(): Promise<{ text: string; body: StatusDto }> {
  const res = await f.inject({ url: '/api/v1/status', headers: adminJson });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  return { text: res.body, body: res.json<StatusDto>() };
}

void describe('the status API on a running daemon', () => {
  void test('each cycle shows at once, and the text is what a status built from scratch says', async () => {
    const first = await status();
    const a = (s: StatusDto) => s.services.find((x) => x.name === 'a');
    const seen = a(first.body)?.lastCheckAt ?? 0;
    const next = await waitFor(
      async () => {
        const s = await status();
        return (a(s.body)?.lastCheckAt ?? 0) > seen ? s : undefined;
      },
      { timeoutMs: 10_000, message: 'no newer cycle in the status' },
    );
    assert.notEqual(next.text, first.text);
    // Built again from the runners, read back to back with a GET: equal whenever no cycle ended in
    // between (a cycle may, hence the retries; a kept DTO that is out of date never would be).
    const scrubber = new Scrubber([]);
    const comparable = (services: readonly object[]): string =>
      JSON.stringify(services.map((s) => ({ ...s, cpuPercent: null, memoryBytes: null, memoryPercent: null })));
    await waitFor(
      async () => {
        const fresh = f.daemon.runners().map((r) => serviceDto(r.status(), { scrubber }));
        const now = await status();
        return comparable(now.body.services) === comparable(JSON.parse(JSON.stringify(fresh)) as object[]);
      },
      { timeoutMs: 10_000, message: 'the served status never matched one built from scratch' },
    );
  });

  void test('an action shows in the next answer', async () => {
    const res = await f.inject({ method: 'POST', url: '/api/v1/services/b/unmonitor', headers: adminJson });
    assert.ok(res.statusCode < 300, res.body);
    await waitFor(async () => (await status()).body.services.find((s) => s.name === 'b')?.monitor === 'not-monitored', {
      timeoutMs: 10_000,
      message: 'unmonitor not shown',
    });
  });

  void test('after a reload: new services listed, removed ones gone', async () => {
    const text = [
      'set daemon 1',
      `set statefile ${join(f.dir, 'state.json')}`,
      httpdBlock(),
      files(f.dir, ['a', 'c']),
      '',
    ].join('\n');
    await writeFile(f.rulesFile, text, { mode: 0o600 });
    const { config } = await parseRules(text, f.rulesFile);
    await f.daemon.reload(config);
    const names = (await status()).body.services.map((s) => s.name);
    assert.deepEqual(names, ['a', 'c']);
    const one = await f.inject({ url: '/api/v1/services/c', headers: adminJson });
    assert.equal(one.statusCode, 200);
    const gone = await f.inject({ url: '/api/v1/services/b', headers: adminJson });
    assert.equal(gone.statusCode, 404);
  });
});
