// `check file mosquitto.log … if content = "Error" then alert` in a running daemon, on virtual time:
// the log is appended to, rotated (renamed, a new file), truncated, and the daemon is stopped and
// started again in the middle (its offset kept in the state file), and the rules reloaded. Every Error line is alerted
// exactly once, in order: none twice, none missed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRules } from '../../src/config/loader.js';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, runCycle, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

/** The lines a content event lists (monit's "content match:" then one line each). */
function matched(events: readonly ServiceEvent[]): string[] {
  return events
    .filter((e) => e.type === 'content' && e.state === 'changed')
    .flatMap((e) => e.message.split('\n').slice(1))
    .map((l) => l.replace(/ \(.*\)$/, ''));
}

void test(
  'appended, rotated, truncated, across a daemon restart: each Error line alerted once',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const log = join(dir, 'mosquitto.log');
    await writeFile(log, '1700000000: Error: an old line, before brokerwatch ran\n');
    const rulesFile = join(dir, 'brokerwatch.rc');
    const rules = [
      'set daemon 1',
      `set statefile ${join(dir, 'state.json')}`,
      `check file log with path ${log}`,
      '  if content = "Error" then alert',
      '',
    ].join('\n');
    const clock = new FakeClock();
    const first = await startInProcess(rulesFile, rules, cleanup, { clock });
    await runCycle(first, clock, 'log');
    assert.deepEqual(matched(first.events), [], 'the first cycle starts at the end of the file');

    await appendFile(log, 'info\nError 1\n');
    await runCycle(first, clock, 'log');
    await appendFile(log, 'Error 2\n');
    await runCycle(first, clock, 'log');
    // A reload keeps where the rule stopped too.
    await appendFile(log, 'Error 2b, before a reload\n');
    await first.daemon.reload((await parseRules(rules, rulesFile)).config);
    await runCycle(first, clock, 'log');
    // Rotated as logrotate does: renamed, and the broker writes a new file.
    await rename(log, `${log}.1`);
    await writeFile(log, 'Error 3\n');
    await runCycle(first, clock, 'log');
    await appendFile(log, 'a long line of padding that the truncation will remove\n');
    await runCycle(first, clock, 'log');
    await truncate(log, 0);
    await appendFile(log, 'Error 4\n');
    await runCycle(first, clock, 'log');
    await appendFile(log, 'Error 5, appended before the daemon stops\n');
    await first.daemon.stop();

    await appendFile(log, 'Error 6, while the daemon is down\n');
    const clock2 = new FakeClock(clock.now() + 60_000);
    const second = await startInProcess(rulesFile, rules, cleanup, { clock: clock2 });
    await runCycle(second, clock2, 'log');
    await appendFile(log, 'Error 7\n');
    await runCycle(second, clock2, 'log');
    await runCycle(second, clock2, 'log');

    const all = [...matched(first.events), ...matched(second.events)];
    assert.deepEqual(all, [
      'Error 1',
      'Error 2',
      'Error 2b, before a reload',
      'Error 3',
      'Error 4',
      'Error 5, appended before the daemon stops',
      'Error 6, while the daemon is down',
      'Error 7',
    ]);
    const e = first.events.find((x) => x.type === 'content');
    assert.equal(e?.action, 'alert');
    assert.ok(e?.message.startsWith('content match:\n'));
  },
);
