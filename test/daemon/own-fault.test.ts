// brokerwatch out of descriptors (EMFILE) must not take a healthy broker for a dead one: reading its
// pidfile or /proc, or opening a probe's socket, fails then whatever the broker does. Each such
// failure is brokerwatch's own problem (class `internal`, an error line and an `instance` event),
// never a verdict that triggers an action; a start program that cannot be spawned is a failed start,
// not the end of the daemon.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../src/actions/run.js';
import { socketFailure } from '../../src/checks/mqtt/classify.js';
import { loadChecks } from '../../src/checks/registry.js';
import { parseRules } from '../../src/config/loader.js';
import { createObserver } from '../../src/config/service-types.js';
import { noVerdictIfInternal } from '../../src/daemon/check-set.js';
import { observe } from '../../src/daemon/observe.js';
import { readFdLimits } from '../../src/process/fd-limit.js';
import { identify, readPidfile } from '../../src/process/identity.js';
import { LivenessWatcher } from '../../src/process/liveness.js';
import { OwnFault } from '../../src/util/own-fault.js';
import { strayErrors } from '../helpers/stray-errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  Cleanup,
  brokerRules,
  brokerStartedOutside,
  brokerSpec,
  runCycle,
  startInProcess,
  testDir,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

/** Opens /dev/null until EMFILE; returns the function that closes them all again. */
function exhaustDescriptors(): () => void {
  const fds: number[] = [];
  try {
    for (;;) fds.push(openSync('/dev/null', 'r'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EMFILE') {
      for (const fd of fds) closeSync(fd);
      throw e;
    }
  }
  return () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
}

/** Runs `fn` with no descriptor left, and gives them back whatever happens. */
async function withoutDescriptors<T>(fn: () => Promise<T> | T): Promise<T> {
  const release = exhaustDescriptors();
  try {
    return await fn();
  } finally {
    release();
  }
}

void describe('brokerwatch out of descriptors', () => {
  void test('a pidfile read fails as brokerwatch’s own problem, not as a bad pidfile', async () => {
    const dir = await testDir(cleanup);
    const pidfile = join(dir, 'b.pid');
    const err = await withoutDescriptors(() =>
      readPidfile(pidfile).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    assert.ok(err instanceof OwnFault, String(err));
    assert.equal(err.code, 'EMFILE');
    assert.match(
      err.message,
      /^brokerwatch cannot read pidfile .*b\.pid: brokerwatch has too many open files \(EMFILE\)$/,
    );
  });

  void test('the process lookup (pidfile and /proc) gives no verdict: existence is not judged', async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const pid = await brokerStartedOutside(b);
    const identity = await identify(pid);
    assert.ok(identity);
    const service = { name: 'mosquitto', type: 'process', pidfile: b.pidfile, rules: [] } as never;
    const opts = { actionRunning: false, cwd: dir, signal: new AbortController().signal, now: Date.now() };
    for (const known of [undefined, identity]) {
      const seen = await withoutDescriptors(() => observe(service, { ...opts, identity: known }));
      assert.equal(seen.lookup, undefined, 'no lookup, so no existence verdict');
      assert.match(seen.ownFault ?? '', /^brokerwatch cannot .*\(EMFILE\)$/);
      assert.equal(seen.pid, known?.pid);
    }
    // With descriptors again, the same look finds the broker.
    const seen = await observe(service, { ...opts, identity });
    assert.equal(seen.found?.pid, pid);
  });

  void test('a system, filesystem or network service out of descriptors sees nothing: no "not mounted"', async () => {
    const { config } = await parseRules(
      'check system h\ncheck filesystem root with path /\ncheck network lo with interface lo\n',
      'o.rc',
    );
    await loadChecks(config);
    const opts = {
      actionRunning: false,
      identity: undefined,
      cwd: '/',
      signal: new AbortController().signal,
      now: Date.now(),
    };
    for (const service of config.services) {
      const observer = createObserver(service);
      assert.ok(observer, service.type);
      const blind = await withoutDescriptors(() => observe(service, { ...opts, observer }));
      assert.equal(blind.observed, undefined, `${service.type}: nothing observed, so no verdict`);
      assert.match(blind.ownFault ?? '', /^brokerwatch cannot read what the service observes: .*\(EMFILE\)$/);
      const seen = await observe(service, { ...opts, observer });
      assert.equal(seen.observed?.ok, true, `${service.type} with descriptors again`);
    }
  });

  void test('a probe socket that cannot be opened is class internal; such a result is never a verdict', () => {
    const e = Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' });
    const f = socketFailure(e, 'tcp');
    assert.equal(f.class_, 'internal');
    assert.match(f.message, /brokerwatch has too many open files \(EMFILE\)/);
    assert.equal(socketFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'tcp').class_, 'port-closed');
    assert.deepEqual(noVerdictIfInternal({ ruleId: 'r', status: 'failed', class: 'internal', message: 'm' }), {
      ruleId: 'r',
      status: 'init',
      class: 'internal',
      message: 'm',
    });
    const real = { ruleId: 'r', status: 'failed', class: 'port-closed', message: 'm' } as const;
    assert.equal(noVerdictIfInternal(real), real);
  });

  void test('the liveness watcher reports no death it could not see', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanup.add(() => child.kill('SIGKILL'));
    const pid = child.pid;
    assert.ok(pid);
    const identity = await identify(pid);
    assert.ok(identity);
    const w = new LivenessWatcher({ clock: new FakeClock() });
    cleanup.add(() => w.close());
    const events = await withoutDescriptors(() => {
      // Its /proc descriptor cannot be opened, nor /proc read by path: no verdict, no throw.
      w.watch(identity, 'k');
      return [...w.checkNow(), ...w.checkNow()];
    });
    assert.deepEqual(events, []);
    assert.deepEqual(w.checkNow(), []);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(w.checkNow()[0]?.reason, 'exited');
  });

  void test('a start program that cannot be spawned fails as an action; nothing is left unhandled', async () => {
    const r = await withoutDescriptors(() => runCommand({ argv: ['/bin/true'] }, { defaultTimeoutMs: 5_000 }));
    assert.equal(r.failed, true);
    assert.match(
      r.error ?? '',
      /^brokerwatch cannot start \/bin\/true: brokerwatch has too many open files \(EMFILE\)$/,
    );
    // Should a spawn still meet EMFILE (another thread took the last descriptors in between), Node
    // emits its 'error' a tick later on a child object execa never returned. The guard absorbs
    // exactly that one; shown in a plain node process, where nothing else listens for it.
    const tmp = await testDir(cleanup);
    const script = join(tmp, 'lost-spawn.mjs');
    const guard = new URL('../../src/process/spawn-room.js', import.meta.url).href;
    await writeFile(
      script,
      [
        "import { execFileSync, spawn } from 'node:child_process';",
        "import { openSync } from 'node:fs';",
        `import { absorbLostSpawnError } from ${JSON.stringify(guard)};`,
        'const fds = [];',
        "try { for (;;) fds.push(openSync('/dev/null', 'r')); } catch {}",
        "const child = spawn('/bin/true', [], { stdio: 'ignore' });",
        "absorbLostSpawnError('/bin/true');",
        // The lost spawn's 'error' comes on process.nextTick: two turns of setImmediate are past it.
        "setImmediate(() => setImmediate(() => { console.log(child.pid === undefined ? 'survived' : 'spawned'); process.exit(0); }));",
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(out.trim(), 'survived');
    assert.deepEqual(strayErrors(), []);
  });

  void test(
    'a daemon out of descriptors reports it and does not restart a healthy broker',
    { timeout: 60_000 },
    async () => {
      const dir = await testDir(cleanup);
      const b = await brokerSpec(dir, 'mosquitto', cleanup);
      const pid = await brokerStartedOutside(b);
      const rules = [
        'set daemon 2',
        `set statefile ${join(dir, 'state.json')}`,
        brokerRules(b, [`if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 5 seconds then restart`]),
      ].join('\n');
      const clock = new FakeClock();
      const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
      const runner = d.daemon.runner('mosquitto');
      assert.ok(runner);
      await clock.runUntil(() => runner.identity?.pid === pid && runner.state.status === 'ok', {
        quiet: () => !runner.busy,
        timeoutMs: 30_000,
        message: 'the broker was never adopted',
      });
      const before = d.events.length;
      const release = exhaustDescriptors();
      let ownFault: string | undefined;
      try {
        await runCycle(d, clock, 'mosquitto');
        await runCycle(d, clock, 'mosquitto');
        ownFault = runner.status().ownFault;
      } finally {
        release();
      }
      // The service's status says so while it lasts (the API's `ownProblem`).
      assert.match(ownFault ?? '', /^brokerwatch cannot .*\(EMFILE\)$/);
      const during = d.events.slice(before);
      assert.deepEqual(
        during.map((e) => [e.type, e.state, e.action, e.class]),
        [['instance', 'failed', 'none', 'internal']],
      );
      assert.match(during[0]?.message ?? '', /^brokerwatch cannot .*\(EMFILE\); the broker is not judged meanwhile$/);
      assert.ok(d.logs.some((l) => l.level === 50 && /EMFILE.*no action is taken/.test(l.msg)));
      await runCycle(d, clock, 'mosquitto');
      const afterwards = d.events.slice(before + during.length);
      assert.deepEqual(
        afterwards.map((e) => [e.type, e.state, e.action]),
        [['instance', 'succeeded', 'none']],
      );
      assert.equal(runner.identity?.pid, pid);
      assert.equal(runner.state.status, 'ok');
      assert.equal(runner.status().ownFault, undefined);
      assert.ok(readFdLimits());
    },
  );
});
