// An operator's restart, as the page's and CLI's buttons ask for it: the request is an event but no
// mail; monit's "Action done" mail goes out once the restart has finished, and says how it went
// (how long, old → new pid). The restart's stop program waits on a FIFO, so the test decides when
// the action may finish and can prove no mail came before.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAlerts } from '../../src/alerts/index.js';
import { parseRules } from '../../src/config/loader.js';
import { waitFor } from '../helpers/wait.js';
import {
  brokerRules,
  brokerSpec,
  newPid,
  servingBroker,
  startInProcess,
  supervisedPid,
  testDir,
} from '../daemon/harness.js';
import { Cleanup, SmtpPeer, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'a requested restart: no mail when asked, one "Action done" mail after it finished, with its outcome',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const smtp = await SmtpPeer.start({}, cleanup);
    const gate = join(dir, 'gate');
    execFileSync('mkfifo', [gate]);
    // The stop program blocks until the test writes a line into the FIFO, then stops the broker.
    const stop = `stop program = "/bin/sh -c 'read line < ${gate}; kill $(cat ${b.pidfile})'" with timeout 30 seconds`;
    const rules = [
      'set daemon 1',
      `set statefile ${join(dir, 'state.json')}`,
      `set mailserver 127.0.0.1 port ${smtp.port} with timeout 5 seconds`,
      'set alert ops@example.com not on { instance }',
      brokerRules(b, [stop]),
    ].join('\n');
    // The broker runs before brokerwatch, which adopts it: no start, no event.
    const [cmd, ...args] = b.startCommand.split(' ');
    execFileSync(cmd ?? '', args);
    const oldPid = await servingBroker(b);
    const rulesFile = join(dir, 'brokerwatch.rc');
    const d = await startInProcess(rulesFile, rules, cleanup);
    // Lets a stop program still waiting go when the test ends early (a FIFO opened read-write never blocks).
    cleanup.add(() => writeFile(gate, 'go\n', { flag: 'r+' }));
    const { config } = await parseRules(rules, rulesFile);
    const alerts = await startAlerts(d.daemon, {
      config,
      logger: testLogger().logger,
      stateDir: join(dir, 'alerts'),
      instanceEvents: false,
      flapping: false,
    });
    cleanup.add(() => alerts.close());
    assert.equal(await supervisedPid(d, b), oldPid);
    const runner = d.daemon.runner('mosquitto');
    assert.ok(runner);

    runner.control('restart', 'admin via web page');
    const requested = d.events.find((e) => e.type === 'action' && e.state === 'changed');
    assert.equal(requested?.message, 'restart requested by admin via web page');
    assert.equal(runner.state.inFlight?.action, 'restart');
    // Every event so far is routed and the queue is empty: the request sent nothing.
    await alerts.flush();
    assert.equal(smtp.mails.length, 0, `mailed on request: ${smtp.subjects().join(' | ')}`);
    assert.ok(!d.events.some((e) => e.type === 'action' && e.state !== 'changed'), 'no outcome before the action ran');

    const released = performance.now();
    await writeFile(gate, 'go\n');
    const pid = await newPid(b, oldPid);
    const done = await waitFor(() => d.events.find((e) => e.type === 'action' && e.state !== 'changed'), {
      timeoutMs: 20_000,
      message: 'no outcome event',
    });
    assert.equal(done.state, 'succeeded', done.message);
    assert.equal(done.action, 'restart');
    assert.match(done.message, new RegExp(`^restart done in [\\d.]+ m?s, pid ${oldPid} → ${pid}: `));

    await waitFor(() => smtp.mails.length >= 1, { timeoutMs: 20_000, message: 'no Action done mail' });
    await alerts.flush();
    assert.equal(smtp.mails.length, 1, smtp.subjects().join(' | '));
    const mail = smtp.mails[0];
    assert.ok(mail);
    assert.ok(mail.at > released, 'the mail came after the action was let finish');
    assert.equal(mail.mail.subject, 'brokerwatch alert -- Action done mosquitto');
    assert.equal(mail.mail.headers.get('x-brokerwatch-event'), 'event mosquitto action succeeded');
    assert.match(mail.mail.text ?? '', new RegExp(`restart done in [\\d.]+ m?s, pid ${oldPid} → ${pid}`));
  },
);
