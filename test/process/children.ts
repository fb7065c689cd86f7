// Real processes for tests, remembered by PID so that `after` hooks end exactly the ones a test
// file started and nothing else.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { isDeadState, readProcStat, readProcStatSync } from '../../src/process/proc-stat.js';

/** PIDs started (directly or reported by a script) by this test file. */
export class Children {
  /** PID → start time, so that cleanup never signals a process that merely reused the PID. */
  readonly #pids = new Map<number, number | undefined>();

  /** Starts `file args…` with no stdio; resolves with its PID once it runs. */
  async start(file: string, args: readonly string[], opts: { detached?: boolean } = {}): Promise<number> {
    const child = spawn(file, args, { stdio: 'ignore', detached: opts.detached ?? false });
    await once(child, 'spawn');
    const pid = child.pid;
    if (pid === undefined) throw new Error(`no PID for ${file}`);
    this.remember(pid);
    return pid;
  }

  /** Runs `sh -c script` and resolves with the whitespace-separated PIDs it prints on its first
   *  line (e.g. `echo $!`); the shell itself is remembered too. */
  async startReporting(
    script: string,
    opts: { detached?: boolean } = {},
  ): Promise<{ pid: number; reported: number[] }> {
    const child = spawn('sh', ['-c', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: opts.detached ?? false,
    });
    await once(child, 'spawn');
    const pid = child.pid;
    if (pid === undefined) throw new Error('no PID for sh');
    this.remember(pid);
    const stdout = child.stdout;
    if (stdout === null) throw new Error('no stdout');
    let text = '';
    for await (const chunk of stdout) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    stdout.destroy();
    const reported = (text.split('\n')[0] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const p of reported) this.remember(p);
    return { pid, reported };
  }

  /**
   * A `sleep` (returned) whose parent is another `sleep` that never reaps it: killing it makes a
   * zombie. Resolves only once the parent shell has exec'd, since a shell would reap its child.
   */
  async startUnreaped(): Promise<number> {
    const { pid: parent, reported } = await this.startReporting('sleep 100000 & echo $!; exec sleep 100000');
    const pid = reported[0];
    if (pid === undefined) throw new Error('the shell reported no PID');
    const deadline = Date.now() + 5_000;
    while ((await readProcStat(parent))?.comm !== 'sleep') {
      if (Date.now() > deadline) throw new Error(`shell ${parent} never exec'd sleep`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return pid;
  }

  /** Starts `sleep` with exactly `pid` (a real PID reuse), through /proc/sys/kernel/ns_last_pid,
   *  which needs root; undefined if the kernel refuses or another process keeps taking it. */
  async startWithPid(pid: number): Promise<number | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      } catch {
        return undefined;
      }
      const got = await this.start('sleep', ['100000']);
      if (got === pid) return got;
      process.kill(got, 'SIGKILL');
    }
    return undefined;
  }

  /** Remembers a PID started some other way (e.g. by runCommand), for cleanup. */
  remember(pid: number): void {
    this.#pids.set(pid, readProcStatSync(pid)?.startTime);
  }

  /** SIGKILLs every remembered PID that still runs. */
  killAll(): void {
    for (const [pid, startTime] of this.#pids) {
      const now = readProcStatSync(pid);
      if (now === undefined || now.startTime !== startTime) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#pids.clear();
  }
}

/** True if `pid` runs and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readProcStatSync(pid);
  return stat !== undefined && !isDeadState(stat.state);
}
