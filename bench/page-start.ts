// How soon the status page answers after `brokerwatch -I` is spawned: the demo's rules (config/demo.rc,
// moved to free ports and a private folder), polled every 5 ms until GET / answers 200, beside Node's
// own start (`node -e 0`). Runs alternate, so a busy machine slows both alike. Target: ≤ 300 ms.
// The first start has no compile cache (src/util/code-cache.ts) and is shown on its own; when the
// environment sets NODE_EXTRA_CA_CERTS, the starts are measured without it too (as systemd starts).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, killPid, sleep, waitCodeCache } from './lib.js';

const AUTH = `Basic ${Buffer.from('admin:watchdog').toString('base64')}`;

/** What one start measured. */
interface PageStart {
  /** Spawn to the first 200 of `/`. */
  readonly ms: number;
  /** CPU time (user + system) brokerwatch had used by then: what a busy machine does not inflate. */
  readonly cpuMs: number;
}

/** What the starts measured: spawn → first 200 (ms), the CPU time used by then, `node -e 0` beside. */
export interface PageStarts {
  readonly firstPage: number[];
  readonly cpu: number[];
  readonly node: number[];
}

export interface PageStartResult {
  /** The first start, with no compile cache yet (after an install or an upgrade). */
  readonly uncached: PageStart;
  /** The starts after it, which take the cache the first one wrote. */
  readonly cached: PageStarts;
  /** The same starts without NODE_EXTRA_CA_CERTS, when the environment has it: the machine's whole CA
   *  bundle is parsed at every Node start then (~100 ms), which systemd's clean environment does not do. */
  readonly withoutExtraCa: PageStarts | undefined;
}

/** `runs` starts with a compile cache of their own (in a private folder), the first without one. */
export async function pageStartBench(runs: number): Promise<PageStartResult> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bw-bench-page-cache-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, BROKERWATCH_CODE_CACHE: cacheDir };
    // The daemon writes its cache (one per rules file, so all starts use one path) after 5 s.
    const rulesFile = join(cacheDir, 'demo.rc');
    const uncached = await onePageStart(env, rulesFile, cacheDir);
    const cached = await starts(runs, env, rulesFile);
    let withoutExtraCa: PageStarts | undefined;
    if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
      const plain = { ...env };
      delete plain.NODE_EXTRA_CA_CERTS;
      withoutExtraCa = await starts(runs, plain, rulesFile);
    }
    return { uncached, cached, withoutExtraCa };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function starts(runs: number, env: NodeJS.ProcessEnv, rulesFile: string): Promise<PageStarts> {
  const firstPage: number[] = [];
  const cpu: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore', env });
    node.push(performance.now() - t0);
    const r = await onePageStart(env, rulesFile);
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

/** One start on the demo rules, written to `file`; with `cacheDir`, it runs until its cache is there. */
async function onePageStart(env: NodeJS.ProcessEnv, file: string, cacheDir?: string): Promise<PageStart> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-page-'));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const rules = readFileSync(join(ROOT, 'config', 'demo.rc'), 'utf8')
    .replaceAll('2812', String(httpPort))
    .replaceAll('18830', String(mqttPort))
    .replaceAll('var/demo', dir)
    .replaceAll('node dist/demo/broker.js', `${process.execPath} ${join(ROOT, 'dist', 'demo', 'broker.js')}`);
  await writeFile(file, rules);
  await chmod(file, 0o600);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/bin/brokerwatch.js'), '-I', '-c', file], {
    stdio: 'ignore',
    env,
  });
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
        if (cacheDir) await waitCodeCache(file, 20_000, cacheDir);
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
