// `check program` in a running daemon on virtual time, with a real script whose output and exit
// status the test changes between cycles: `if status != 0`, `if changed status` and
// `if content = "…"` on its output, each event carrying the output (bounded, as monit's).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, runCycle, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const shown = (events: readonly ServiceEvent[]): string[] =>
  events.filter((e) => e.type !== 'action').map((e) => `${e.type} ${e.state}: ${e.message}`);

void test(
  'status, changed status and content of a program that changes its output and status',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const out = join(dir, 'out');
    const code = join(dir, 'code');
    const script = join(dir, 'probe.sh');
    await writeFile(script, `cat ${out}\necho "on stderr" >&2\nexit $(cat ${code})\n`);
    const say = async (text: string, status: number): Promise<void> => {
      await writeFile(out, text);
      await writeFile(code, String(status));
    };
    await say('all fine\n', 0);
    const rules = [
      'set daemon 1',
      'set limits { programOutput: 64 B }',
      `check program probe with path "/bin/sh ${script}" with timeout 10 seconds`,
      '  if status != 0 then alert',
      '  if changed status then alert',
      '  if content = "^ERROR" then alert',
      '',
    ].join('\n');
    const clock = new FakeClock();
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
    await runCycle(d, clock, 'probe');
    assert.deepEqual(shown(d.events), []);
    const status = d.daemon
      .runner('probe')
      ?.status()
      .lastResults.find((r) => r.ruleId === 'r1');
    assert.equal(status?.message, 'exit status 0 -- all fine\non stderr');

    await say('ERROR: broker down\nsecond line\n', 2);
    await runCycle(d, clock, 'probe');
    assert.deepEqual(shown(d.events).sort(), [
      'content changed: content match:\nERROR: broker down',
      'status changed: status changed from 0 to 2 -- ERROR: broker down\nsecond line\non stderr',
      'status failed: exit status 2 -- ERROR: broker down\nsecond line\non stderr',
    ]);

    // Longer than programOutput: only its last 64 bytes are kept.
    await say(`${'x'.repeat(200)}\nERROR again\n`, 2);
    await runCycle(d, clock, 'probe');
    const third = shown(d.events).slice(3);
    assert.deepEqual(third, ['content changed: content match:\nERROR again']);

    await say('all fine again\n', 0);
    await runCycle(d, clock, 'probe');
    assert.deepEqual(shown(d.events).slice(4).sort(), [
      'status changed: status changed from 2 to 0 -- all fine again\non stderr',
      'status succeeded: exit status 0 -- all fine again\non stderr',
    ]);
    const last = d.daemon
      .runner('probe')
      ?.status()
      .lastResults.find((r) => r.ruleId === 'r1');
    assert.ok((last?.message.length ?? 0) < 100);
  },
);
