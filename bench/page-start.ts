// How soon the status page answers after `brokerwatch -I` is spawned: the demo's rules (config/demo.rc,
// moved to free ports and a private folder), polled every 5 ms until GET / answers 200, beside Node's
// own start (`node -e 0`). Runs alternate, so a busy machine slows both alike. Target: ≤ 300 ms.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, killPid, sleep } from './lib.js';

const AUTH = `Basic ${Buffer.from('admin:watchdog').toString('base64')}`;

/** What one start measured. */
interface PageStart {
  /** Spawn to the first 200 of `/`. */
  readonly ms: number;
  /** CPU time (user + system) brokerwatch had used by then: what a busy machine does not inflate. */
  readonly cpuMs: number;
}

/** Times of `runs` starts (ms), the CPU time each used until its page answered, and `node -e 0`'s times. */
export async function pageStartBench(runs: number): Promise<{ firstPage: number[]; cpu: number[]; node: number[] }> {
  const firstPage: number[] = [];
  const cpu: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    node.push(performance.now() - t0);
    const r = await onePageStart();
    firstPage.push(r.ms);
    cpu.push(r.cpuMs);
  }
  return { firstPage, cpu, node };
}

/** utime + stime of a process, in ms (clock ticks of 10 ms, Linux's USER_HZ). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function brokerPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, 'broker.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function onePageStart(): Promise<PageStart> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-page-'));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const rules = readFileSync(join(ROOT, 'config', 'demo.rc'), 'utf8')
    .replaceAll('2812', String(httpPort))
    .replaceAll('18830', String(mqttPort))
    .replaceAll('var/demo', dir)
    .replaceAll('node dist/demo/broker.js', `${process.execPath} ${join(ROOT, 'dist', 'demo', 'broker.js')}`);
  const file = join(dir, 'demo.rc');
  await writeFile(file, rules);
  await chmod(file, 0o600);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/bin/brokerwatch.js'), '-I', '-c', file], { stdio: 'ignore' });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${httpPort}/`, { headers: { authorization: AUTH } })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        const ms = performance.now() - t0;
        const cpuMs = cpuMsOf(child.pid ?? 0);
        // The demo broker's start is under way: let it finish, so that it can be stopped below.
        const end = performance.now() + 20_000;
        while (brokerPid(dir) === undefined && performance.now() < end) await sleep(20);
        return { ms, cpuMs };
      }
      if (child.exitCode !== null || performance.now() - t0 > 30_000)
        throw new Error(`brokerwatch never answered on ${httpPort}`);
      await sleep(5);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    // The demo broker brokerwatch started (if it got that far), by the PID in its pidfile.
    killPid(brokerPid(dir));
    await rm(dir, { recursive: true, force: true });
  }
}
