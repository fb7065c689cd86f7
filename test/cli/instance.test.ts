// One daemon per state file: a second `brokerwatch -c FILE` refuses to start and names the PID of
// the one running, as monit does; once that one is gone — stopped, or SIGKILLed — a new one starts
// (the claim is the kernel's, so a killed daemon leaves nothing stale behind).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { BROKERWATCH } from '../helpers/cli.js';
import { ChildDaemon, Cleanup, signal, testDir, writeRules } from '../daemon/harness.js';
import { claimInstance } from '../../src/daemon/instance-lock.js';

/** Runs `brokerwatch -I -c FILE` to its end (it must end by itself: a refused start). */
async function refusedStart(rules: string, cleanup: Cleanup): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BROKERWATCH, '-I', '-c', rules], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Should it start after all, it must not outlive the test.
  cleanup.add(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signal(child.pid, 'SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

void describe('one daemon per state file', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  void test('a second daemon on the same rules refuses to start and names the first', async () => {
    const dir = await testDir(cleanup, 'bw-instance-');
    const rules = join(dir, 'rules.rc');
    await writeRules(
      rules,
      [
        'set daemon 3600',
        `set statefile ${join(dir, 'state.json')}`,
        `set eventqueue basedir ${join(dir, 'events')}`,
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
    );
    const first = await ChildDaemon.start(rules, cleanup);
    const second = await refusedStart(rules, cleanup);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`brokerwatch is already running on these rules \\(pid ${first.pid}, state file .*state\\.json\\)`),
    );
    assert.ok(first.running, 'the first daemon goes on');

    // SIGKILL leaves no lock behind.
    await first.kill();
    const third = await ChildDaemon.start(rules, cleanup);
    assert.ok(third.running);
    // A clean stop releases it too.
    signal(third.pid, 'SIGTERM');
    await third.exited;
    const fourth = await ChildDaemon.start(rules, cleanup);
    assert.ok(fourth.running);
  });

  void test('a claim is per state file, and released for the next claimant', async () => {
    const dir = await testDir(cleanup, 'bw-claim-');
    const a = await claimInstance(join(dir, 'a.json'));
    const b = await claimInstance(join(dir, 'b.json'));
    assert.ok(a.ok && b.ok, 'two state files, two daemons');
    const again = await claimInstance(join(dir, 'a.json'));
    assert.deepEqual(again, { ok: false, heldBy: process.pid });
    await a.release();
    const next = await claimInstance(join(dir, 'a.json'));
    assert.ok(next.ok);
    if (next.ok) await next.release();
    await b.release();
  });
});
