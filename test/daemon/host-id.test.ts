// `set idfile PATH`: the host's stable id, made once with 32 random hex digits when the file is
// missing and read back ever after; it is the monit XML status's `<id>` and an alert mail's
// `X-Monit-Id` header. Without `set idfile`, ~/.monit.id is read if it is there, and nothing is written.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAlerts } from '../../src/alerts/index.js';
import { loadHostId } from '../../src/daemon/host-id.js';
import { Cleanup, FakeDaemon, SmtpPeer, crash, rules, stateDir, testLogger } from '../alerts/fixtures.js';
import { ADMIN, basic, httpdBlock, startFixture } from '../http/fixture.js';
import { child, parseXml } from '../http/xml.js';
import { testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test('made once when missing, then read back; a file with no id is a problem, not overwritten', async () => {
  const dir = await testDir(cleanup);
  const first = await loadHostId('id', dir);
  assert.equal(first.created, true);
  assert.match(first.id ?? '', /^[0-9a-f]{32}$/);
  assert.equal((await readFile(join(dir, 'id'), 'utf8')).trim(), first.id);
  const again = await loadHostId(join(dir, 'id'), '/');
  assert.deepEqual([again.id, again.created], [first.id, undefined]);
  await writeFile(join(dir, 'bad'), 'not an id\n');
  const bad = await loadHostId(join(dir, 'bad'), dir);
  assert.equal(bad.id, undefined);
  assert.match(bad.problem ?? '', /does not hold an id/);
  assert.equal(await readFile(join(dir, 'bad'), 'utf8'), 'not an id\n');
});

void test('without set idfile: ~/.monit.id when it is there, else nothing, and nothing is written', async () => {
  const dir = await testDir(cleanup);
  const home = process.env.HOME;
  cleanup.add(() => (process.env.HOME = home));
  process.env.HOME = dir;
  assert.deepEqual(await loadHostId(undefined, '/'), { path: join(dir, '.monit.id') });
  await writeFile(join(dir, '.monit.id'), '0123456789abcdef0123456789abcdef\n');
  assert.equal((await loadHostId(undefined, '/')).id, '0123456789abcdef0123456789abcdef');
  process.env.HOME = home;
});

void test("the daemon's id is the monit XML status's <id>", { timeout: 30_000 }, async () => {
  const f = await startFixture((dir) => [`set idfile ${join(dir, 'monit.id')}`, httpdBlock()].join('\n'));
  cleanup.add(() => f.close());
  const id = (await readFile(join(f.dir, 'monit.id'), 'utf8')).trim();
  assert.equal(f.daemon.hostId, id);
  const res = await f.inject({
    url: '/_status?format=xml',
    headers: { authorization: basic(ADMIN.user, ADMIN.password) },
  });
  assert.equal(child(child(parseXml(res.body), 'server'), 'id')?.text, id);
});

void test('alert mails carry the id in X-Monit-Id', { timeout: 20_000 }, async () => {
  const smtp = await SmtpPeer.start({}, cleanup);
  const config = await rules(
    `set mailserver 127.0.0.1 port ${smtp.port}\nset alert ops@example.com not on { instance }\n` +
      'check process mosquitto with pidfile /run/mosquitto.pid',
  );
  const daemon = new FakeDaemon();
  const alerts = await startAlerts(daemon, {
    config,
    logger: testLogger().logger,
    stateDir: await stateDir(cleanup),
    hostId: () => 'cafe0123cafe0123cafe0123cafe0123',
    closeGraceMs: 0,
  });
  cleanup.add(() => alerts.close());
  daemon.events.publish(crash());
  await alerts.flush();
  assert.equal(smtp.mails[0]?.mail.headers.get('x-monit-id'), 'cafe0123cafe0123cafe0123cafe0123');
});
