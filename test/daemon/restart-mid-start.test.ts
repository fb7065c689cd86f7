// brokerwatch SIGKILLed while its start program runs, and started again on the same state file: the
// program outlives it (its own process group), and the new daemon waits for that very program (PID
// and start time from the state file) instead of running a second start beside it. Exactly one
// broker, supervised, one start program run. A PID that now belongs to another process is neither
// waited for nor signalled; a program past its timeout is ended as any timed-out program.
// `brokerwatch -I` runs as a child process, on a real mosquitto.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceDto, StatusDto } from '../../src/api/contract.js';
import { readProcStatSync } from '../../src/process/proc-stat.js';
import type { InFlightProgram } from '../../src/state/types.js';
import { isRunning } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { BrokerSpec } from './harness.js';
import {
  ChildDaemon,
  Cleanup,
  brokerRoots,
  brokerSpec,
  linesOf,
  servingBroker,
  signal,
  testDir,
  writeRules,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const USER = 'admin:mid-start';
/** The start program's timeout in the rules. */
const START_TIMEOUT_MS = 60_000;

interface Setup {
  readonly dir: string;
  readonly b: BrokerSpec;
  readonly rulesFile: string;
  readonly stateFile: string;
  /** One line per run of the start program. */
  readonly starts: string;
  /** The start program waits until this file exists: a start as slow as the test needs. */
  readonly gate: string;
  readonly httpPort: number;
}

async function setup(): Promise<Setup> {
  const dir = await testDir(cleanup);
  const b = await brokerSpec(dir, 'mosquitto', cleanup);
  const s = {
    dir,
    b,
    rulesFile: join(dir, 'brokerwatch.rc'),
    stateFile: join(dir, 'state.json'),
    starts: join(dir, 'starts'),
    gate: join(dir, 'gate'),
    httpPort: await freePort(),
  };
  // The wait also ends when the test's folder is gone, so a program no cleanup reached cannot loop on.
  const wait = `while [ ! -e ${s.gate} ] && [ -d ${dir} ]; do sleep 0.02; done`;
  const program = `/bin/sh -c 'echo x >> ${s.starts}; ${wait}; exec ${b.startCommand}'`;
  await writeRules(
    s.rulesFile,
    [
      'set daemon 1',
      `set statefile ${s.stateFile}`,
      `set httpd port ${s.httpPort} address 127.0.0.1`,
      `  allow ${USER}`,
      `check process mosquitto with pidfile ${b.pidfile}`,
      `  start program = "${program}" with timeout ${START_TIMEOUT_MS / 1000} seconds`,
      '  if does not exist then restart',
      '',
    ].join('\n'),
  );
  return s;
}

/** The service as the daemon's status API shows it; undefined while the API does not answer. */
async function service(s: Setup): Promise<ServiceDto | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${s.httpPort}/api/v1/status`, {
      headers: { authorization: `Basic ${Buffer.from(USER).toString('base64')}` },
    });
    if (r.status !== 200) return undefined;
    return ((await r.json()) as StatusDto).services.find((x) => x.name === 'mosquitto');
  } catch {
    return undefined;
  }
}

/** The program of the action in flight, as the state file records it. */
function recordedProgram(stateFile: string): InFlightProgram | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      services?: Record<string, { machine?: { inFlight?: { program?: InFlightProgram } } }>;
    };
    return state.services?.mosquitto?.machine?.inFlight?.program;
  } catch {
    return undefined; // not written yet
  }
}

/** Ends the process `pid` (and its group) if it is still the one that started at `startTime`. */
function killIfStill(pid: number, startTime: number): void {
  if (readProcStatSync(pid)?.startTime !== startTime) return;
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
}

/** Watches brokers of the config every 2 ms; `worst()` is the most seen at once. */
function sampleBrokers(configFile: string): { worst: () => number[]; samples: () => number } {
  let worst: number[] = [];
  let samples = 0;
  const timer = setInterval(() => {
    const roots = brokerRoots(configFile);
    samples++;
    if (roots.length > worst.length) worst = roots;
  }, 2);
  cleanup.add(() => clearInterval(timer));
  return { worst: () => worst, samples: () => samples };
}

/** A process of our own in its own process group, as a start program runs; killed by PID at the end. */
async function groupLeader(): Promise<{ child: ChildProcess; pid: number; startTime: number }> {
  const child = spawn('/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid ?? 0;
  const startTime = readProcStatSync(pid)?.startTime;
  assert.ok(startTime !== undefined);
  cleanup.add(() => killIfStill(pid, startTime));
  return { child, pid, startTime };
}

/** A state file left by a daemon killed while the restart it ran had `program` in flight. */
function writeStateWithProgram(stateFile: string, program: InFlightProgram): void {
  const now = Date.now();
  const machine = {
    version: 1,
    service: 'mosquitto',
    monitor: 'monitored',
    monitorSince: now - 60_000,
    status: 'failed',
    cycle: 5,
    rules: [],
    backoff: { attempts: 1 },
    restarts: [],
    restartCount: 0,
    inFlight: { action: 'restart', origin: 'rule', since: program.at, program },
  };
  const state = { version: 1, savedAt: now, nextEventId: 1, services: { mosquitto: { machine } } };
  writeFileSync(stateFile, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

void test(
  'SIGKILLed mid-start and started again: the new daemon waits for that start program, one broker',
  { timeout: 60_000 },
  async (t) => {
    const s = await setup();
    const sampler = sampleBrokers(s.b.configFile);
    const first = await ChildDaemon.start(s.rulesFile, cleanup);
    // The program runs (it wrote its line) and the state file names it.
    const program = await waitFor(() => (linesOf(s.starts).length === 1 ? recordedProgram(s.stateFile) : undefined), {
      timeoutMs: 15_000,
      message: 'the start program never ran, or the state file never named it',
    });
    cleanup.add(() => killIfStill(program.pid, program.startTime));
    assert.equal(readProcStatSync(program.pid)?.startTime, program.startTime, 'its identity is the one recorded');
    await first.kill();
    assert.ok(isRunning(program.pid), 'the start program outlives brokerwatch');

    const second = await ChildDaemon.start(s.rulesFile, cleanup);
    await second.waitLine(
      (l) => l.pid === program.pid && l.msg.startsWith('restart: waiting for its start program'),
      10_000,
      'the new daemon waits for the program',
    );
    // Two of its cycles have run meanwhile: a second start, had one been decided, would have run.
    const firstCheck = await waitFor(async () => (await service(s))?.lastCheckAt, {
      timeoutMs: 10_000,
      message: 'no cycle of the new daemon',
    });
    const waiting = await waitFor(
      async () => {
        const svc = await service(s);
        return svc?.lastCheckAt !== null && svc?.lastCheckAt !== undefined && svc.lastCheckAt > firstCheck
          ? svc
          : undefined;
      },
      { timeoutMs: 10_000, message: 'no second cycle of the new daemon' },
    );
    assert.equal(waiting.action, 'restart', 'the restart is shown in progress');
    assert.equal(linesOf(s.starts).length, 1, 'no second start program');
    assert.deepEqual(brokerRoots(s.b.configFile), [], 'no broker yet');
    assert.ok(isRunning(program.pid));

    writeFileSync(s.gate, '');
    const pid = await servingBroker(s.b);
    const supervised = await waitFor(
      async () => {
        const svc = await service(s);
        return svc?.pid === pid && svc.action === null && svc.status === 'ok' ? svc : undefined;
      },
      { timeoutMs: 10_000, message: `the new daemon never took pid ${pid} as its broker` },
    );
    // One more cycle on the adopted broker: still one, still the same.
    const adoptedCheck = supervised.lastCheckAt ?? 0;
    await waitFor(async () => ((await service(s))?.lastCheckAt ?? 0) > adoptedCheck, {
      timeoutMs: 10_000,
      message: 'no cycle after the adoption',
    });
    assert.equal((await service(s))?.pid, pid);
    assert.deepEqual(brokerRoots(s.b.configFile), [pid], 'exactly one broker runs the config');
    assert.equal(linesOf(s.starts).length, 1, 'the start program ran once');
    assert.deepEqual(sampler.worst().length <= 1 ? [] : sampler.worst(), [], 'never two brokers at once');
    const done = second.lines.find((l) => l.action === 'restart' && l.ok === true);
    assert.match(done?.msg ?? '', new RegExp(`^started: pid ${pid}$`));
    t.diagnostic(`start program ${program.pid} waited for; broker ${pid}; ${sampler.samples()} samples`);
  },
);

void test(
  'the recorded PID is now another process: not waited for, not signalled, and the broker is started',
  { timeout: 60_000 },
  async () => {
    const s = await setup();
    writeFileSync(s.gate, '');
    const other = await groupLeader();
    // The PID of the program, but not its start time: the PID went to another process meanwhile.
    const at = Date.now();
    writeStateWithProgram(s.stateFile, { command: 'start', pid: other.pid, startTime: other.startTime + 1, at });
    const d = await ChildDaemon.start(s.rulesFile, cleanup);
    await d.waitLine(
      (l) => l.pid === other.pid && / ended while brokerwatch was not running; the next cycle decides$/.test(l.msg),
      10_000,
      'the program is taken for gone',
    );
    // Started long before the recorded program's timeout would have ended any wait.
    const pid = await servingBroker(s.b, { timeoutMs: 20_000 });
    await waitFor(async () => (await service(s))?.pid === pid, {
      timeoutMs: 10_000,
      message: `the daemon never took pid ${pid} as its broker`,
    });
    assert.ok(Date.now() < at + START_TIMEOUT_MS);
    assert.equal(linesOf(s.starts).length, 1);
    assert.equal(d.lines.filter((l) => l.msg.includes('waiting for its')).length, 0, 'nothing waited for');
    assert.ok(isRunning(other.pid), 'the other process was not signalled');
    assert.equal(readProcStatSync(other.pid)?.startTime, other.startTime);
    assert.equal(other.child.exitCode, null);
    assert.equal(other.child.signalCode, null);
  },
);

void test(
  'the recorded program outlives its timeout: its group is ended at the deadline, then the rules start the broker',
  { timeout: 60_000 },
  async () => {
    const s = await setup();
    writeFileSync(s.gate, '');
    const hung = await groupLeader();
    const exited = once(hung.child, 'exit').then(([, sig]) => ({ sig: sig as string | null, at: Date.now() }));
    // Spawned 56 s ago with a 60 s timeout: 4 s are left.
    const at = Date.now() - START_TIMEOUT_MS + 4_000;
    writeStateWithProgram(s.stateFile, { command: 'start', pid: hung.pid, startTime: hung.startTime, at });
    const d = await ChildDaemon.start(s.rulesFile, cleanup);
    await d.waitLine(
      (l) => l.pid === hung.pid && l.msg.startsWith('restart: waiting for its start program'),
      10_000,
      'the daemon waits for the program',
    );
    const end = await exited;
    assert.equal(end.sig, 'SIGTERM', 'ended with TERM, as a timed-out program is');
    assert.ok(end.at >= at + START_TIMEOUT_MS, `ended ${at + START_TIMEOUT_MS - end.at} ms before its deadline`);
    const failed = await d.waitLine(
      (l) => l.action === 'restart' && l.ok === false,
      10_000,
      'the restart reported as failed',
    );
    assert.equal(failed.class, 'action-timeout');
    assert.match(failed.msg, new RegExp(`^start program \\(pid ${hung.pid}, .*\\) timed out after 60000 ms`));
    // The usual consequences: a failed start, the broker still missing, the rules restart it.
    const pid = await servingBroker(s.b, { timeoutMs: 20_000 });
    await waitFor(async () => (await service(s))?.pid === pid, {
      timeoutMs: 10_000,
      message: `the daemon never took pid ${pid} as its broker`,
    });
    assert.equal(linesOf(s.starts).length, 1);
    assert.deepEqual(brokerRoots(s.b.configFile), [pid]);
  },
);
