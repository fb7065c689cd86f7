// Logging in with the users of htpasswd files (`allow md5|crypt|cleartext FILE [USER …] [read-only]`)
// over real HTTP: hashes made by openssl (`passwd -1`, `-apr1`) and glibc's crypt (perl), the right
// password admits, a wrong one is 401, a user left out of the allow's list is not admitted, a
// read-only file's users only read, and no hash or password shows in the log or the API.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules } from '../../src/config/loader.js';
import type { HttpServer } from '../../src/http/listeners.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { desCryptOf, opensslPasswd } from '../helpers/htpasswd.js';
import type { Fixture } from './fixture.js';
import { basic, sleeperBlock, startFixture } from './fixture.js';

const USERS = {
  md5: { user: 'alice', password: 'alice-Secret-1' },
  apr1: { user: 'bob', password: 'bøb-Sécret-2' },
  des: { user: 'carol', password: 's3cret-des' },
  clear: { user: 'dave', password: 'dave:Secret:3' },
  skipped: { user: 'erin', password: 'erin-Secret-4' },
  reader: { user: 'frank', password: 'frank-Secret-5' },
};

void describe('htpasswd users over HTTP', () => {
  let files: TempDir;
  let f: Fixture;
  let server: HttpServer;
  const hashes: string[] = [];
  before(async () => {
    files = await tempDir('brokerwatch-htpasswd-http-');
    const md5 = opensslPasswd(['-1'], USERS.md5.password);
    const apr1 = opensslPasswd(['-apr1'], USERS.apr1.password);
    const des = desCryptOf(USERS.des.password, 'ab');
    const skipped = opensslPasswd(['-1'], USERS.skipped.password);
    const reader = opensslPasswd(['-apr1'], USERS.reader.password);
    hashes.push(md5, apr1, des, skipped, reader);
    const write = (name: string, text: string): Promise<void> =>
      writeFile(join(files.path, name), text, { mode: 0o600 });
    await write('md5', `${USERS.md5.user}:${md5}\n${USERS.apr1.user}:${apr1}\n${USERS.skipped.user}:${skipped}\n`);
    await write('des', `${USERS.des.user}:${des}\n`);
    await write('clear', `${USERS.clear.user}:${USERS.clear.password}\n`);
    await write('reader', `${USERS.reader.user}:${reader}\n`);
    f = await startFixture((dir) =>
      [
        'set httpd port 2812 address 127.0.0.1',
        `  allow md5 ${join(files.path, 'md5')} ${USERS.md5.user} ${USERS.apr1.user}`,
        `  allow crypt ${join(files.path, 'des')}`,
        `  allow cleartext ${join(files.path, 'clear')}`,
        `  allow md5 ${join(files.path, 'reader')} read-only`,
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    server = await f.listen();
  });
  after(async () => {
    await f.close();
    await files.cleanup();
  });

  const status = (user: string, password: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${server.port}/api/v1/status`, { headers: { authorization: basic(user, password) } });
  const act = (user: string, password: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${server.port}/api/v1/services/sleeper/monitor`, {
      method: 'POST',
      headers: { authorization: basic(user, password), 'content-type': 'application/json' },
      body: '{}',
    });

  void test('each kind of hash admits its password and refuses another', async () => {
    for (const [kind, u] of Object.entries(USERS)) {
      if (kind === 'skipped' || kind === 'reader') continue;
      assert.equal((await status(u.user, u.password)).status, 200, `${kind}: the right password`);
      assert.equal((await status(u.user, `x${u.password}`)).status, 401, `${kind}: a wrong password`);
      assert.equal((await status(u.user, '')).status, 401, `${kind}: no password`);
    }
    // crypt(3) reads 8 bytes of a password: a longer one that shares them is the same password to it.
    assert.equal((await status(USERS.des.user, `${USERS.des.password.slice(0, 8)}-anything`)).status, 200);
  });

  void test('users of a file may act, unless the allow is read-only; users not listed are refused', async () => {
    assert.equal((await act(USERS.md5.user, USERS.md5.password)).status, 202);
    assert.equal((await act(USERS.clear.user, USERS.clear.password)).status, 202);
    assert.equal((await status(USERS.reader.user, USERS.reader.password)).status, 200);
    assert.equal((await act(USERS.reader.user, USERS.reader.password)).status, 403);
    assert.equal((await status(USERS.skipped.user, USERS.skipped.password)).status, 401);
  });

  void test('a reload reads the files again: a changed password counts at once, the old one no more', async () => {
    assert.equal((await status(USERS.clear.user, USERS.clear.password)).status, 200);
    await writeFile(join(files.path, 'clear'), `${USERS.clear.user}:new-Secret-6\n`, { mode: 0o600 });
    await f.daemon.reload((await loadRules(f.rulesFile)).config);
    assert.equal((await status(USERS.clear.user, 'new-Secret-6')).status, 200);
    assert.equal((await status(USERS.clear.user, USERS.clear.password)).status, 401);
    // An md5 user's login, remembered before the reload, is checked again against the file read now.
    assert.equal((await status(USERS.md5.user, USERS.md5.password)).status, 200);
  });

  void test('no hash or password in the log or the answers', async () => {
    const config = await fetch(`http://127.0.0.1:${server.port}/api/v1/status`, {
      headers: { authorization: basic(USERS.md5.user, USERS.md5.password) },
    });
    const body = await config.text();
    const secrets = [...hashes, ...Object.values(USERS).map((u) => u.password)];
    for (const s of secrets) {
      assert.ok(!body.includes(s), 'a secret in the status');
      assert.ok(!f.logText.some((l) => l.includes(s)), `a secret in the log: ${s}`);
    }
    // Failed logins name real users only.
    assert.ok(f.logText.some((l) => l.includes('"user":"alice"') && l.includes('login failed')));
  });
});
