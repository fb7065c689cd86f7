// The soak's world: a real mosquitto (bench/lib.ts brokerSetup) started and stopped by scripts that a
// flag file can make fail, brokerwatch as a real process (the bundle, `-I`) on a rules file with its
// pidfile, status server, mail server and alert recipient, and every process the soak starts itself
// (decoy `sleep`s, port squatters). Everything is remembered by PID and ended by PID, mounts undone,
// folders removed, also when the soak fails or is interrupted.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerSetup } from '../lib.js';
import { ROOT, alive, brokerSetup, freePort, killPid, procPidsChildrenFirst, sleep } from '../lib.js';

/** The status server's credentials (read-only: the soak only reads). */
export const HTTP_USER = 'chaos:chaos-secret';

/** Where everything of one soak lives. */
export interface World {
  readonly broker: BrokerSetup;
  /** brokerwatch's state folder: state file, alert queue, its own pidfile. */
  readonly stateDir: string;
  readonly rulesFile: string;
  /** brokerwatch's standard output (pino JSON lines, written synchronously: kept across SIGKILLs). */
  readonly logFile: string;
  /** While this file exists the start program fails. */
  readonly failFlag: string;
  readonly httpPort: number;
  readonly smtpPort: number;
  /** The brokerwatch command run: a copy of dist/bin, so that a rebuild during the soak changes nothing. */
  readonly command: string;
}

/** PIDs the soak started and still owns, by what they are; ended by `endAll`. */
export class Owned {
  readonly #pids = new Map<number, string>();
  /** PIDs the soak ended on purpose (their death is no violation). */
  readonly ended = new Set<number>();

  add(pid: number, what: string): void {
    this.#pids.set(pid, what);
  }

  /** Ends PID (SIGKILL) and forgets it. */
  end(pid: number): void {
    this.ended.add(pid);
    this.#pids.delete(pid);
    killPid(pid);
  }

  /** The processes that must be alive: started by the soak and not ended by it. */
  live(): Array<[number, string]> {
    return [...this.#pids];
  }

  endAll(): void {
    for (const pid of [...this.#pids.keys()]) this.end(pid);
  }
}

/** Writes the broker folder, the scripts and the rules; nothing runs yet. */
export async function makeWorld(smtpPort: number): Promise<World> {
  const broker = await brokerSetup('chaos');
  const stateDir = join(broker.dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const failFlag = join(broker.dir, 'start-fails');
  const startScript = [
    '#!/bin/sh',
    `date +%s%N >> ${broker.starts}`,
    `if [ -e ${failFlag} ]; then echo "start refused: ${failFlag} exists" >&2; exit 1; fi`,
    `exec /usr/sbin/mosquitto -d -c ${broker.conf}`,
    '',
  ].join('\n');
  await writeFile(broker.startScript, startScript, { mode: 0o755 });
  // start-stop-daemon checks the executable: a pidfile pointed at another process stops nothing.
  const stopScript = join(broker.dir, 'stop.sh');
  const stop = `exec /sbin/start-stop-daemon --stop --quiet --oknodo --pidfile ${broker.pidfile} --exec /usr/sbin/mosquitto --retry TERM/3/KILL/2`;
  await writeFile(stopScript, `#!/bin/sh\n${stop}\n`, { mode: 0o755 });
  const httpPort = await freePort();
  const rulesFile = join(broker.dir, 'brokerwatch.rc');
  const rules = [
    'set daemon 1',
    `set statefile ${join(stateDir, 'state.json')}`,
    `set pidfile ${join(stateDir, 'brokerwatch.pid')}`,
    `set mailserver 127.0.0.1 port ${smtpPort} with timeout 2 seconds`,
    'set alert ops@example.com not on { instance }',
    `set httpd port ${httpPort} address 127.0.0.1`,
    `  allow ${HTTP_USER} read-only`,
    `check process mosquitto with pidfile ${broker.pidfile}`,
    `  start program = "${broker.startScript}" with timeout 10 seconds`,
    `  stop program = "${stopScript}" with timeout 10 seconds`,
    `  if failed host 127.0.0.1 port ${broker.port} protocol mqtt roundtrip qos 1 with timeout 1 seconds then restart`,
    // A start program that fails for a while must not park the broker for the default 10 minutes.
    '  backoff 1 second max 4 seconds giveup 30 cooldown 20 seconds',
    '',
  ].join('\n');
  await writeFile(rulesFile, rules, { mode: 0o600 });
  await chmod(rulesFile, 0o600);
  cpSync(join(ROOT, 'dist/bin'), join(broker.dir, 'bin'), { recursive: true });
  const command = join(broker.dir, 'bin', 'brokerwatch.js');
  const logFile = join(broker.dir, 'brokerwatch.out');
  return { broker, stateDir, rulesFile, logFile, failFlag, httpPort, smtpPort, command };
}

/** Starts `brokerwatch -I` (detached: a Ctrl-C of the soak reaches only the soak, which ends it). */
export function startDaemon(w: World, owned: Owned): number {
  const out = openSync(w.logFile, 'a');
  const child = spawn(process.execPath, [w.command, '-I', '-c', w.rulesFile], {
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  const pid = child.pid ?? 0;
  owned.add(pid, 'brokerwatch');
  return pid;
}

/** A detached `sleep`: a process that is not the broker and must never be signalled by brokerwatch. */
export function startDecoy(owned: Owned): number {
  const child = spawn('/bin/sleep', ['3600'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? 0;
  owned.add(pid, 'decoy sleep');
  return pid;
}

/** Another process listening on the broker's port (resolves once it listens). */
export async function startSquatter(port: number, owned: Owned): Promise<number> {
  const code = `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  child.unref();
  const pid = child.pid ?? 0;
  owned.add(pid, 'port squatter');
  const up = await new Promise<boolean>((res) => {
    child.stdout?.once('data', () => res(true));
    child.once('exit', () => res(false));
  });
  child.stdout?.destroy();
  if (!up) throw new Error(`chaos: could not take port ${port}`);
  return pid;
}

/** Live mosquitto processes running this config, with their parents. */
export function brokersOf(conf: string): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const entry of procPidsChildrenFirst()) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.includes(conf) || !argv[0]?.endsWith('mosquitto')) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && state !== 'X') found.push({ pid: Number(entry), ppid: Number(ppid) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Makes DIR read-only for every process, root included (a read-only bind mount); false if refused. */
export function mountReadOnly(dir: string): boolean {
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'ignore' });
  } catch {
    return false;
  }
  try {
    execFileSync('mount', ['-o', 'remount,ro,bind', dir, dir], { stdio: 'ignore' });
    return true;
  } catch {
    unmount(dir);
    return false;
  }
}

/** Undoes mountReadOnly (lazily if something is still open there). */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
  }
}

/** Whether a read-only bind mount works here (root with CAP_SYS_ADMIN, as in a privileged container). */
export function readOnlyMountWorks(base: string): boolean {
  const probe = join(base, 'ro-probe');
  mkdirSync(probe, { recursive: true });
  try {
    if (!mountReadOnly(probe)) return false;
    let refused = false;
    try {
      execFileSync('touch', [join(probe, 'x')], { stdio: 'ignore' });
    } catch {
      refused = true;
    }
    unmount(probe);
    return refused;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Ends every broker of this config (SIGCONT first: a stopped one must die too). */
export function killBrokers(conf: string): void {
  for (const { pid } of brokersOf(conf)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
    killPid(pid);
  }
}

/** Synchronous teardown for every path out (normal end, failure, Ctrl-C, exit). */
export function teardown(w: World | undefined, owned: Owned, mounted: Set<string>): void {
  for (const dir of mounted) unmount(dir);
  mounted.clear();
  owned.endAll();
  if (!w) return;
  killBrokers(w.broker.conf);
  if (existsSync(w.broker.dir)) rmSync(w.broker.dir, { recursive: true, force: true });
}

/** Waits until PID is gone (a process we signalled), at most `ms`. */
export async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(10);
  }
  return !alive(pid);
}
