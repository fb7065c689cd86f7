import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseGroup, parsePasswd, resolveIds } from '../../src/actions/ids.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment',
  '',
  'mosquitto:x:107:113::/var/lib/mosquitto:/usr/sbin/nologin',
  'broken line',
  'bad:x:abc:1::/:/bin/sh',
  '1000:x:2000:2001::/:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');
const GROUP = ['root:x:0:', 'mosquitto:x:113:', 'broker:x:500:alice,bob', 'nogroup:x:65534:', 'bad:x:zz:'].join('\n');

void describe('passwd and group files', () => {
  let dir: TempDir;
  let files: { passwd: string; group: string };
  before(async () => {
    dir = await tempDir('bw-ids-');
    files = { passwd: join(dir.path, 'passwd'), group: join(dir.path, 'group') };
    await writeFile(files.passwd, PASSWD);
    await writeFile(files.group, GROUP);
  });
  after(async () => {
    await dir.cleanup();
  });

  void test('parsers skip comments and malformed lines', () => {
    assert.deepEqual(
      parsePasswd(PASSWD).map((u) => u.name),
      ['root', 'mosquitto', '1000', 'nobody'],
    );
    assert.deepEqual(
      [...parseGroup(GROUP)],
      [
        ['root', 0],
        ['mosquitto', 113],
        ['broker', 500],
        ['nogroup', 65534],
      ],
    );
  });

  void test('nothing to resolve', async () => {
    assert.deepEqual(await resolveIds(undefined, undefined, files), { ok: true });
  });

  void test('a user name gets its uid and primary group', async () => {
    assert.deepEqual(await resolveIds('mosquitto', undefined, files), { ok: true, uid: 107, gid: 113 });
  });

  void test('a numeric uid uses its passwd entry for the group', async () => {
    assert.deepEqual(await resolveIds(65534, undefined, files), { ok: true, uid: 65534, gid: 65534 });
  });

  void test('a name that looks like a number is a name first', async () => {
    assert.deepEqual(await resolveIds('1000', undefined, files), { ok: true, uid: 2000, gid: 2001 });
  });

  void test('an explicit group, by name or number', async () => {
    assert.deepEqual(await resolveIds('mosquitto', 'broker', files), { ok: true, uid: 107, gid: 500 });
    assert.deepEqual(await resolveIds('mosquitto', 7, files), { ok: true, uid: 107, gid: 7 });
    assert.deepEqual(await resolveIds(undefined, 'nogroup', files), { ok: true, gid: 65534 });
  });

  void test('unknown names and unplaced uids are errors', async () => {
    assert.deepEqual(await resolveIds('ghost', undefined, files), {
      ok: false,
      error: 'unknown user "ghost" (not in /etc/passwd)',
    });
    assert.deepEqual(await resolveIds('mosquitto', 'ghosts', files), {
      ok: false,
      error: 'unknown group "ghosts" (not in /etc/group)',
    });
    // Switching only the uid would keep brokerwatch's (root's) group: refuse to guess.
    assert.deepEqual(await resolveIds(4321, undefined, files), {
      ok: false,
      error: 'user 4321 has no /etc/passwd entry; give a gid too',
    });
    assert.deepEqual(await resolveIds(4321, 4321, files), { ok: true, uid: 4321, gid: 4321 });
    assert.equal((await resolveIds(-1, undefined, files)).ok, false);
    assert.equal((await resolveIds(4294967295, 0, files)).ok, false);
  });

  void test('a missing user database is an error', async () => {
    const result = await resolveIds('root', undefined, { passwd: join(dir.path, 'none') });
    assert.equal(result.ok, false);
  });
});
