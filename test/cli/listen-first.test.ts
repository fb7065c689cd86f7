// `brokerwatch -I` opens its status page before anything else: the first check of the first cycle
// finds it answering already (the check is a script that asks for the page and writes down what it
// got), and the log says the status API listens before the daemon says it started. Ordering of
// events, not wall-clock time: `npm run bench -- page` measures how soon that is.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChildDaemon, Cleanup, testDir, writeRules } from '../daemon/harness.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const AUTH = Buffer.from('admin:first-pw').toString('base64');

void describe('the status page answers before the first cycle', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  let daemon: ChildDaemon;
  let seen = '';
  let port = 0;

  before(async () => {
    const dir = await testDir(cleanup, 'brokerwatch-listen-first-');
    port = await freePort();
    seen = join(dir, 'seen');
    // What the first cycle's check sees: the page's status line and body, or "refused".
    const probe = join(dir, 'ask-page.sh');
    await writeFile(
      probe,
      [
        '#!/bin/bash',
        `if exec 3<>/dev/tcp/127.0.0.1/${port}; then`,
        `  printf 'GET / HTTP/1.0\\r\\nHost: 127.0.0.1:${port}\\r\\nAuthorization: Basic ${AUTH}\\r\\n\\r\\n' >&3`,
        `  cat <&3 > ${seen}.tmp`,
        'else',
        `  echo refused > ${seen}.tmp`,
        'fi',
        `mv ${seen}.tmp ${seen}`,
        '',
      ].join('\n'),
    );
    await chmod(probe, 0o755);
    const rules = join(dir, 'brokerwatch.rc');
    await writeRules(
      rules,
      [
        'set daemon 60',
        `set statefile ${join(dir, 'state.json')}`,
        `set httpd port ${port} address 127.0.0.1`,
        '  allow admin:first-pw',
        `check program first with path "${probe}"`,
        '  if status != 0 then alert',
        '',
      ].join('\n'),
    );
    daemon = await ChildDaemon.start(rules, cleanup);
  });
  after(() => cleanup.run());

  void test("the first cycle's check finds the page answering", async () => {
    const text = await waitFor(() => readFile(seen, 'utf8').catch(() => ''), {
      timeoutMs: 30_000,
      intervalMs: 20,
      message: 'the first check never ran',
    });
    assert.match(text, /^HTTP\/1\.1 200 /, `what the first check saw: ${text.slice(0, 200)}`);
    assert.match(text, /<tr id="svc-first"/, 'the page lists the service');
  });

  void test('the log: the status API listens, then the daemon starts its services', () => {
    const msgs = daemon.lines.map((l) => l.msg);
    const listening = msgs.findIndex((m) => m.startsWith('status API on '));
    const started = msgs.indexOf('brokerwatch started');
    assert.ok(listening >= 0 && started >= 0, msgs.join('\n'));
    assert.ok(listening < started, `status API after the start of the services:\n${msgs.join('\n')}`);
  });
});
