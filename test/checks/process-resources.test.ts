// Process resource rules against real child processes: cpu of a busy loop, memory (share and bytes)
// of a process holding a large buffer, total memory and children of a process tree, threads, uptime
// in both directions, and `changed pid` / `changed ppid`. Every child is killed by PID afterwards.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { waitFor } from '../helpers/wait.js';
import { checkOf } from './parsed.js';
import type { RuleUnderTest } from './parsed.js';

const LIMIT = { timeout: 60_000 };
// Every child ends by itself after this, even if this process is killed before its after hook runs.
const LIFETIME_MS = 120_000;
const pids: number[] = [];
after(() => {
  for (const pid of pids.reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Starts ARGV as a child, remembered for the after hook; resolves once it runs. */
async function child(argv: readonly string[]): Promise<ChildProcess & { pid: number }> {
  const [cmd, ...args] = argv as [string, ...string[]];
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    c.once('spawn', resolve);
    c.once('error', reject);
  });
  assert.ok(c.pid);
  pids.push(c.pid);
  return c as ChildProcess & { pid: number };
}

/** A node child that prints "ready" once SETUP has run, then stays alive. */
async function nodeChild(setup: string): Promise<ChildProcess & { pid: number }> {
  const c = await child([
    process.execPath,
    '-e',
    `${setup}; console.log('ready'); setTimeout(() => {}, ${LIFETIME_MS});`,
  ]);
  await new Promise<void>((resolve) => c.stdout?.once('data', () => resolve()));
  return c;
}

/** The check of one process rule (`if RULE then alert`). */
function processRule(rule: string): Promise<RuleUnderTest> {
  return checkOf(`check process p with pidfile /nonexistent/p.pid\n  if ${rule} then alert\n`);
}

/** Cycles RULE on PID until it reports STATUS; resolves with that result. */
async function until(
  r: RuleUnderTest,
  pid: number,
  status: 'ok' | 'failed',
  timeoutMs = 20_000,
): Promise<Awaited<ReturnType<RuleUnderTest['cycle']>>> {
  let last = '';
  return waitFor(
    async () => {
      const res = await r.cycle({ pid });
      last = `${res.status} ${res.message}`;
      return res.status === status ? res : undefined;
    },
    { timeoutMs, intervalMs: 200, message: `never ${status} (last: ${last})` },
  );
}

const sleeper = (): Promise<ChildProcess & { pid: number }> => child(['sleep', '300']);

void describe('cpu', () => {
  void test('the first sample is not measurable; a busy loop then fails `cpu > 5%`', LIMIT, async () => {
    const busy = await child([
      process.execPath,
      '-e',
      `const end = Date.now() + ${LIFETIME_MS}; while (Date.now() < end);`,
    ]);
    const r = await processRule('cpu > 5%');
    const first = await r.cycle({ pid: busy.pid });
    assert.equal(first.status, 'init');
    assert.match(first.message, /first sample/);
    const failed = await until(r, busy.pid, 'failed');
    assert.equal(failed.class, 'resource');
    assert.match(failed.message, /^cpu \d+\.\d%$/);
    assert.ok((failed.metrics?.cpu ?? 0) > 5, `cpu metric ${failed.metrics?.cpu}`);
  });

  void test('an idle process passes `cpu > 50%` and fails `cpu < 50%`', LIMIT, async () => {
    const idle = await sleeper();
    const high = await processRule('cpu > 50%');
    assert.equal((await high.cycle({ pid: idle.pid })).status, 'init');
    assert.equal((await high.cycle({ pid: idle.pid })).status, 'ok');
    const low = await processRule('cpu < 50%');
    await low.cycle({ pid: idle.pid });
    const r = await low.cycle({ pid: idle.pid });
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'resource');
  });
});

void describe('totalcpu', () => {
  void test('`totalcpu` adds the children: an idle shell whose child spins', LIMIT, async () => {
    const spin = `const end = Date.now() + ${LIFETIME_MS}; while (Date.now() < end);`;
    const parent = await child(['sh', '-c', `'${process.execPath}' -e '${spin}' & wait`]);
    await waitFor(async () => (await childrenOf(parent.pid)).length === 1, { timeoutMs: 10_000 });
    pids.push(...(await childrenOf(parent.pid)));
    const total = await processRule('totalcpu > 5%');
    assert.equal((await total.cycle({ pid: parent.pid })).status, 'init');
    const failed = await until(total, parent.pid, 'failed');
    assert.ok((failed.metrics?.totalcpu ?? 0) > 5);
    const own = await processRule('cpu > 5%');
    await own.cycle({ pid: parent.pid });
    const r = await own.cycle({ pid: parent.pid });
    assert.equal(r.status, 'ok', `the waiting shell itself is idle: ${r.message}`);
  });
});

void describe('memory', () => {
  const MB = 1024 * 1024;
  const HOLD = 200 * MB;
  /** A node child holding HOLD bytes of touched memory. */
  const hog = (): Promise<ChildProcess & { pid: number }> => nodeChild(`globalThis.b = Buffer.alloc(${HOLD}, 1)`);

  void test('`memory > 100 MB` fails for a process holding 200 MB and passes for a small one', LIMIT, async () => {
    const big = await hog();
    const r = await processRule('memory > 100 MB');
    const res = await r.cycle({ pid: big.pid });
    assert.equal(res.status, 'failed', res.message);
    assert.equal(res.class, 'resource');
    assert.match(res.message, /^memory \d+\.\d MB$/);
    assert.ok((res.metrics?.memory ?? 0) > HOLD, `memory metric ${res.metrics?.memory}`);
    const small = await sleeper();
    const ok = await (await processRule('memory > 100 MB')).cycle({ pid: small.pid });
    assert.equal(ok.status, 'ok', ok.message);
    assert.ok((ok.metrics?.memory ?? Infinity) < 100 * MB);
  });

  void test('`memory < 100 MB` is the other direction', LIMIT, async () => {
    const small = await sleeper();
    assert.equal((await (await processRule('memory < 100 MB')).cycle({ pid: small.pid })).status, 'failed');
    const big = await hog();
    assert.equal((await (await processRule('memory < 100 MB')).cycle({ pid: big.pid })).status, 'ok');
  });

  void test('`memory > N%` is a share of the machine memory', LIMIT, async () => {
    const big = await hog();
    // Half the share the 200 MB buffer takes of this machine: the hog is above, a sleep far below.
    const share = ((HOLD / totalmem()) * 100) / 2;
    const limit = share.toFixed(3);
    const r = await (await processRule(`memory > ${limit}%`)).cycle({ pid: big.pid });
    assert.equal(r.status, 'failed', r.message);
    assert.match(r.message, /^memory \d+\.\d%$/);
    const pct = r.metrics?.memory ?? 0;
    assert.ok(pct > share && pct < 100, `a share in percent, not bytes: ${pct}`);
    const small = await sleeper();
    assert.equal((await (await processRule(`memory > ${limit}%`)).cycle({ pid: small.pid })).status, 'ok');
  });

  void test('`totalmemory` adds the children: a small parent of a 200 MB child', LIMIT, async () => {
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', "globalThis.b = Buffer.alloc(${HOLD}, 1); console.log('ready'); setTimeout(() => {}, ${LIFETIME_MS})"], { stdio: ['ignore', 'inherit', 'inherit'] }); setTimeout(() => {}, ${LIFETIME_MS})`;
    const parent = await child([process.execPath, '-e', script]);
    await new Promise<void>((resolve) => parent.stdout?.once('data', () => resolve()));
    const own = await (await processRule('memory > 150 MB')).cycle({ pid: parent.pid });
    assert.equal(own.status, 'ok', `the parent alone is small: ${own.message}`);
    const total = await (await processRule('totalmemory > 150 MB')).cycle({ pid: parent.pid });
    assert.equal(total.status, 'failed', total.message);
    assert.ok((total.metrics?.totalmemory ?? 0) > HOLD);
    // Register the grandchild for cleanup: the one child of the parent.
    const kids = await childrenOf(parent.pid);
    pids.push(...kids);
    assert.equal(kids.length, 1);
  });
});

/** PIDs whose parent is PID, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

void describe('filedescriptors of a process', () => {
  const OPENED = 64;
  const opener = `const fs = require('fs'); for (let i = 0; i < ${OPENED}; i++) fs.openSync('/dev/null', 'r')`;

  void test('counts /proc/PID/fd, and a share of its own open-files limit', LIMIT, async () => {
    const c = await nodeChild(opener);
    const open = (await readdir(`/proc/${c.pid}/fd`)).length;
    assert.ok(open >= OPENED);
    const limit = Number(/^Max open files\s+(\d+)/m.exec(await readFile(`/proc/${c.pid}/limits`, 'utf8'))?.[1]);
    const over = await (await processRule(`filedescriptors > ${OPENED - 1}`)).cycle({ pid: c.pid });
    assert.equal(over.status, 'failed', over.message);
    assert.equal(over.class, 'resource');
    assert.ok(Math.abs((over.metrics?.['filedescriptors'] ?? 0) - open) <= 2, over.message);
    const under = await (await processRule(`filedescriptors > ${open + 100}`)).cycle({ pid: c.pid });
    assert.equal(under.status, 'ok', under.message);
    const share = (open / limit) * 100;
    const pct = await (
      await processRule(`filedescriptors >= ${Math.max(0, Math.floor(share) - 1)}%`)
    ).cycle({
      pid: c.pid,
    });
    assert.equal(pct.status, 'failed', pct.message);
    assert.match(pct.message ?? '', new RegExp(`^filedescriptors [\\d.]+% \\(\\d+ of ${limit}\\)$`));
    const below = await (await processRule(`filedescriptors > ${Math.ceil(share) + 1}%`)).cycle({ pid: c.pid });
    assert.equal(below.status, 'ok', below.message);
  });

  void test('`total filedescriptors` adds the descendants; no process is no reading', LIMIT, async () => {
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', "${opener}; console.log('ready'); setTimeout(() => {}, ${LIFETIME_MS})"], { stdio: ['ignore', 'inherit', 'inherit'] }); setTimeout(() => {}, ${LIFETIME_MS})`;
    const parent = await child([process.execPath, '-e', script]);
    await new Promise<void>((resolve) => parent.stdout?.once('data', () => resolve()));
    pids.push(...(await childrenOf(parent.pid)));
    const own = (await readdir(`/proc/${parent.pid}/fd`)).length;
    const alone = await (await processRule(`filedescriptors > ${own + OPENED / 2}`)).cycle({ pid: parent.pid });
    assert.equal(alone.status, 'ok', alone.message);
    const total = await (await processRule(`total filedescriptors > ${own + OPENED / 2}`)).cycle({ pid: parent.pid });
    assert.equal(total.status, 'failed', total.message);
    assert.ok((total.metrics?.['total filedescriptors'] ?? 0) >= own + OPENED);
    const none = await (await processRule('filedescriptors > 1')).cycle({});
    assert.equal(none.status, 'init');
  });
});

void describe('children and threads', () => {
  void test('`children > 1` fails for a shell with two children and passes for one with one', LIMIT, async () => {
    const two = await child(['sh', '-c', 'sleep 120 & sleep 120 & wait']);
    await waitFor(async () => (await childrenOf(two.pid)).length === 2, { timeoutMs: 10_000 });
    pids.push(...(await childrenOf(two.pid)));
    const r = await (await processRule('children > 1')).cycle({ pid: two.pid });
    assert.equal(r.status, 'failed', r.message);
    assert.equal(r.message, '2 children');
    assert.deepEqual(r.metrics, { children: 2 });
    assert.equal((await (await processRule('children > 2')).cycle({ pid: two.pid })).status, 'ok');

    const one = await child(['sh', '-c', 'sleep 120 & wait']);
    await waitFor(async () => (await childrenOf(one.pid)).length === 1, { timeoutMs: 10_000 });
    pids.push(...(await childrenOf(one.pid)));
    assert.equal((await (await processRule('children > 1')).cycle({ pid: one.pid })).status, 'ok');
    assert.equal((await (await processRule('children = 1')).cycle({ pid: one.pid })).status, 'failed');
  });

  void test('a process without children has 0 of them', LIMIT, async () => {
    const s = await sleeper();
    const r = await (await processRule('children > 0')).cycle({ pid: s.pid });
    assert.equal(r.status, 'ok', r.message);
    assert.equal(r.message, '0 children');
  });

  void test('`threads > 1` passes for sleep (one thread) and fails for node (several)', LIMIT, async () => {
    const s = await sleeper();
    const single = await (await processRule('threads > 1')).cycle({ pid: s.pid });
    assert.equal(single.status, 'ok', single.message);
    assert.equal(single.message, '1 threads');
    const n = await nodeChild('0');
    const multi = await (await processRule('threads > 1')).cycle({ pid: n.pid });
    assert.equal(multi.status, 'failed', multi.message);
    assert.ok((multi.metrics?.threads ?? 0) > 1);
  });
});

void describe('uptime', () => {
  void test('a process started just now fails `uptime < 1 hour` and passes `uptime > 1 hour`', LIMIT, async () => {
    const s = await sleeper();
    const young = await (await processRule('uptime < 1 hour')).cycle({ pid: s.pid });
    assert.equal(young.status, 'failed', young.message);
    assert.equal(young.class, 'resource');
    assert.ok((young.metrics?.uptimeSeconds ?? -1) >= 0 && (young.metrics?.uptimeSeconds ?? 99) < 60, young.message);
    const r = await (await processRule('uptime > 1 hour')).cycle({ pid: s.pid });
    assert.equal(r.status, 'ok', r.message);
  });

  void test('two hours later by the cycle clock, the same process is past an hour', LIMIT, async () => {
    const s = await sleeper();
    const later = Date.now() + 2 * 3_600_000;
    const r = await (await processRule('uptime > 1 hour')).cycle({ pid: s.pid, now: later });
    assert.equal(r.status, 'failed', r.message);
    assert.match(r.message, /^uptime 72\d\d s$/);
    assert.equal((await (await processRule('uptime < 1 hour')).cycle({ pid: s.pid, now: later })).status, 'ok');
  });
});

void describe('changed pid and ppid', () => {
  void test('`changed pid` fails once when the process is replaced, then settles', LIMIT, async () => {
    const a = await sleeper();
    const b = await sleeper();
    const r = await processRule('changed pid');
    assert.equal((await r.cycle({ pid: a.pid })).status, 'ok');
    assert.equal((await r.cycle({ pid: a.pid })).status, 'ok');
    const changed = await r.cycle({ pid: b.pid });
    assert.equal(changed.status, 'failed');
    assert.equal(changed.message, `pid changed from ${a.pid} to ${b.pid}`);
    assert.equal((await r.cycle({ pid: b.pid })).status, 'ok');
  });

  void test('`changed ppid` fails when the parent dies and the process is adopted', LIMIT, async () => {
    const parent = await child(['sh', '-c', 'sleep 120 & echo $!; wait']);
    const line = await new Promise<string>((resolve) =>
      parent.stdout?.once('data', (d: Buffer) => resolve(d.toString())),
    );
    const orphan = Number(line.trim());
    pids.push(orphan);
    const r = await processRule('changed ppid');
    const first = await r.cycle({ pid: orphan });
    assert.equal(first.status, 'ok');
    assert.equal(first.message, `ppid ${parent.pid}`);
    process.kill(parent.pid, 'SIGKILL');
    const changed = await until(r, orphan, 'failed', 10_000);
    assert.match(changed.message, new RegExp(`^ppid changed from ${parent.pid} to \\d+$`));
  });
});

void describe('a process that is not running', () => {
  void test('every process rule is not measurable (init) without a pid', LIMIT, async () => {
    for (const rule of [
      'cpu > 5%',
      'memory > 1 MB',
      'children > 0',
      'threads > 0',
      'uptime > 1 minute',
      'changed pid',
      'changed ppid',
    ]) {
      const r = await (await processRule(rule)).cycle();
      assert.equal(r.status, 'init', rule);
      assert.equal(r.message, 'process not running', rule);
    }
  });

  void test('a pid that has exited is not running, not a failure', LIMIT, async () => {
    const gone = await child(['true']);
    await new Promise<void>((resolve) => (gone.exitCode !== null ? resolve() : gone.once('exit', () => resolve())));
    for (const rule of ['uptime > 1 minute', 'memory > 1 MB', 'changed ppid']) {
      const r = await (await processRule(rule)).cycle({ pid: gone.pid });
      assert.equal(r.status, 'init', rule);
    }
  });
});
