// One service's start program hangs: it is killed at its own timeout, and meanwhile another
// service's crash is handled at once (one independent loop per service, DESIGN.md §3, §5).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import {
  Cleanup,
  brokerRules,
  brokerSpec,
  childrenWithArgv,
  newPid,
  servingBroker,
  signal,
  startInProcess,
  supervisedPid,
  testDir,
  waitEvent,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const HANG = ['/bin/sleep', '1000'];
const HANG_TIMEOUT_MS = 2_000;

void test(
  'a hanging start program is killed at its timeout; another service is restarted meanwhile, undelayed',
  { timeout: 30_000 },
  async (t) => {
    const dir = await testDir(cleanup);
    mkdirSync(join(dir, 'hung'));
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const rules = [
      'set daemon 30',
      `set statefile ${join(dir, 'state.json')}`,
      `check process hung with pidfile ${join(dir, 'hung', 'hung.pid')}`,
      `  start program = "${HANG.join(' ')}" with timeout 2 seconds`,
      '  if does not exist then restart',
      // A short backoff: the broker's restart after its first start is not held back by the streak.
      brokerRules(b, ['if does not exist then restart', 'backoff 100 ms']),
    ].join('\n');
    // Start programs run as children of the daemon, here this process: that is how the sleep is found.
    cleanup.add(() => childrenWithArgv(process.pid, HANG).forEach((pid) => signal(pid, 'SIGKILL')));
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);

    const hung = await waitFor(() => childrenWithArgv(process.pid, HANG)[0], {
      message: 'the hanging start program never ran',
    });
    const hungLine = d.logs.find((l) => l.service === 'hung' && l.action === 'restart' && l.origin === 'rule');
    assert.ok(hungLine, 'the start of hung is logged');
    const hungStartedAt = hungLine.time as number;

    const pid = await supervisedPid(d, b);
    assert.ok(isRunning(hung), 'the hanging start program is still running');
    const t0 = performance.now();
    signal(pid, 'SIGKILL');
    const next = await newPid(b, pid);
    const restartMs = performance.now() - t0;
    // The broker is back while the other service's start program still hangs.
    assert.ok(isRunning(hung), 'the broker was back only after the hanging program ended');
    await servingBroker(b, { not: pid });

    // The hanging program dies at its timeout (TERM to its group), not before.
    await waitFor(() => !isRunning(hung), { timeoutMs: 10_000, message: `sleep ${hung} was never killed` });
    const hungMs = Date.now() - hungStartedAt;
    assert.ok(hungMs >= HANG_TIMEOUT_MS - 100, `killed after ${hungMs} ms, before its timeout`);
    const ev = await waitEvent(
      d.events,
      (e) => e.service === 'hung' && e.type === 'exec' && e.state === 'failed',
      5_000,
      'start of hung failed',
    );
    assert.equal(ev.class, 'action-timeout');
    assert.match(ev.message, /timed out after 2000 ms/);
    // The broker's restart was done before the hanging start ended: nothing made it wait.
    const brokerBack = d.logs.findIndex(
      (l) => l.service === 'mosquitto' && l.action === 'restart' && l.ok === true && l.msg.includes(`${next}`),
    );
    const hungEnded = d.logs.findIndex((l) => l.service === 'hung' && l.action === 'restart' && l.ok === false);
    assert.ok(brokerBack >= 0 && hungEnded >= 0, 'both outcomes are logged');
    assert.ok(brokerBack < hungEnded, 'the broker came back only after the hanging start ended');
    assert.equal(d.daemon.runner('hung')?.isRunning(), false);
    assert.equal(await supervisedPid(d, b), next);
    t.diagnostic(
      `broker restarted in ${Math.round(restartMs)} ms while hung's start ran; hung's start killed after ${hungMs} ms`,
    );
  },
);
