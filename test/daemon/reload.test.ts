// SIGHUP with a broken rules file: the errors are logged, the reload is refused and the old rules keep
// running (monit exits instead; DESIGN.md §6). `brokerwatch -I` runs as a child process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import {
  ChildDaemon,
  Cleanup,
  brokerRules,
  brokerSpec,
  newPid,
  pidIn,
  servingBroker,
  signal,
  testDir,
  writeRules,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'SIGHUP with a broken rules file: errors logged, the old rules still enforced',
  { timeout: 30_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const rulesFile = join(dir, 'brokerwatch.rc');
    const head = `set daemon 30\nset statefile ${join(dir, 'state.json')}\n`;
    await writeRules(rulesFile, `${head}${brokerRules(b, ['if does not exist then restart'])}`);
    const d = await ChildDaemon.start(rulesFile, cleanup);
    const pid = await servingBroker(b);
    await d.waitLine(
      (l) => l.action === 'restart' && l.ok === true && l.msg === `started: pid ${pid}`,
      5_000,
      'the daemon identified the broker',
    );

    // Broken twice over (an unknown statement, a port out of range). Were it half applied, the
    // broker's start program would be /bin/false.
    await writeRules(
      rulesFile,
      `${head}check process mosquitto with pidfile ${b.pidfile}\n  start program = "/bin/false"\n  frobnicate\n  if failed host 127.0.0.1 port 99999 then restart\n`,
    );
    const from = d.lines.length;
    signal(d.pid, 'SIGHUP');
    const refused = await d.waitLine(
      (l) => l.level === 50 && /reload refused/.test(l.msg),
      5_000,
      'reload refused',
      from,
    );
    assert.equal(refused.file, rulesFile);
    const errors = d.lines
      .slice(from)
      .filter((l) => l.level === 50 && l.file === rulesFile && typeof l.line === 'number');
    assert.ok(
      errors.some((l) => l.line === 5 && /frobnicate/.test(l.msg)),
      `the unknown statement is logged: ${JSON.stringify(errors)}`,
    );
    assert.ok(
      errors.some((l) => l.line === 6 && /99999/.test(l.msg)),
      `the port error is logged: ${JSON.stringify(errors)}`,
    );
    assert.ok(!d.lines.slice(from).some((l) => l.msg === 'rules reloaded'));
    assert.ok(d.running, 'brokerwatch keeps running');
    assert.equal(pidIn(b.pidfile), pid, 'the broker was not touched');

    // The old rules are enforced: a crash is restarted with the old start program.
    signal(pid, 'SIGKILL');
    const next = await newPid(b, pid, 5_000);
    await servingBroker(b, { not: pid });
    assert.ok(isRunning(next));
    assert.ok(!d.lines.slice(from).some((l) => l.ok === false), 'no failed action');
  },
);
