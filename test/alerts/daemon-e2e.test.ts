// The whole daemon, end to end: SMTP is down while the broker crashes and comes back, brokerwatch
// itself is SIGKILLed with those alerts still queued, started again, and SMTP returns: every alert
// arrives exactly once and in the order of its events (DESIGN.md §5, §6).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import { ChildDaemon, brokerSpec, newPid, servingBroker, signal, testDir, writeRules } from '../daemon/harness.js';
import { Cleanup, SmtpPeer } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'SMTP down, a crash and its recovery, brokerwatch SIGKILLed and restarted, SMTP back: each alert once, in order',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const smtp = await SmtpPeer.start({}, cleanup);
    await smtp.stop(); // the outage: the port refuses connections from now on
    const rulesFile = join(dir, 'brokerwatch.rc');
    await writeRules(
      rulesFile,
      [
        'set daemon 1',
        `set statefile ${join(dir, 'state.json')}`,
        `set mailserver 127.0.0.1 port ${smtp.port} with timeout 2 seconds`,
        'set alert ops@example.com not on { instance }',
        `check process mosquitto with pidfile ${b.pidfile}`,
        `  start program = "${b.startCommand}" with timeout 10 seconds`,
        '',
      ].join('\n'),
    );
    // The broker runs before brokerwatch, which adopts it: no start event, only the crash below.
    const [cmd, ...args] = b.startCommand.split(' ');
    execFileSync(cmd ?? '', args);
    const pid = await servingBroker(b);

    const first = await ChildDaemon.start(rulesFile, cleanup);
    signal(pid, 'SIGKILL');
    await newPid(b, pid);
    const failed = await first.waitLine(
      (l) => l.service === 'mosquitto' && l.event === 'nonexist' && l.state === 'failed',
      10_000,
      'the crash event',
    );
    const recovered = await first.waitLine(
      (l) => l.service === 'mosquitto' && l.event === 'nonexist' && l.state === 'succeeded',
      10_000,
      'the recovery event',
    );
    // Both alerts are on disk and refused by the absent SMTP server; brokerwatch dies without a flush.
    await first.waitLine((l) => l.component === 'alerts' && l.level >= 40, 15_000, 'a refused delivery');
    await first.kill();
    assert.equal(smtp.mails.length, 0, 'nothing could be delivered during the outage');

    await smtp.listen(); // SMTP is back, on the same port
    await ChildDaemon.start(rulesFile, cleanup);
    await waitFor(() => smtp.mails.length >= 2, {
      timeoutMs: 30_000,
      message: `only ${smtp.mails.length} of 2 mails arrived`,
    });
    // "Exactly once" is judged when the queue is empty: nothing left that could be sent again.
    await waitFor(() => queuedFiles(join(dir, 'events')) === 0, {
      timeoutMs: 10_000,
      message: 'the alert queue never emptied',
    });
    const events = smtp.mails.map((m) => String(m.mail.headers.get('x-brokerwatch-event') ?? ''));
    assert.deepEqual(
      events,
      ['event mosquitto nonexist failed', 'event mosquitto nonexist succeeded'],
      `mails: ${events.join(' | ')}; events ${String(failed.eventId)}, ${String(recovered.eventId)}`,
    );
    const ids = smtp.mails.map((m) => m.mail.messageId);
    assert.equal(new Set(ids).size, ids.length, 'no mail twice');
  },
);

/** Alert files still queued (one folder per recipient, one JSON file per alert). */
function queuedFiles(queueDir: string): number {
  let n = 0;
  for (const lane of readdirSync(queueDir, { withFileTypes: true })) {
    if (lane.isDirectory()) n += readdirSync(join(queueDir, lane.name)).filter((f) => f.endsWith('.json')).length;
  }
  return n;
}
