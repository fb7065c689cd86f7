// `brokerwatch -I` under a notify socket, as systemd runs a Type=notify service: the test plays the
// service manager's side with its own AF_UNIX datagram socket (Node cannot bind one, so a python3
// listener does, printing each message with the sender's PID from SCM_CREDENTIALS, and closing the
// barrier descriptors systemd-notify hands over, as the manager does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { BROKERWATCH } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, signal, testDir } from './harness.js';

const LISTENER = `
import array, json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": True}), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, body in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", body[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(body[: len(body) - len(body) % 4])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"pid": pid, "fields": data.decode().split("\\n")}), flush=True)
`;

interface Message {
  readonly pid: number;
  readonly fields: string[];
  /** Whether the status API accepted a TCP connection when the message arrived (READY only). */
  listening?: boolean;
  /** When the test received it (performance.now()). */
  receivedAt?: number;
}

/** The manager's side: every message received, in order. */
class NotifySocket {
  readonly messages: Message[] = [];

  private constructor(readonly child: ChildProcess) {}

  static async open(path: string, cleanup: Cleanup, onMessage: (m: Message) => void): Promise<NotifySocket> {
    const child = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ns = new NotifySocket(child);
    cleanup.add(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) signal(child.pid, 'SIGKILL');
    });
    let ready!: () => void;
    const listening = new Promise<void>((r) => (ready = r));
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = JSON.parse(line) as Message & { listening?: boolean };
        if (m.fields === undefined) ready();
        else {
          m.receivedAt = performance.now();
          ns.messages.push(m);
          onMessage(m);
        }
      }
    });
    await Promise.race([listening, once(child, 'exit').then(() => assert.fail('the listener exited'))]);
    return ns;
  }

  /** The first message from index FROM on that has FIELD. */
  wait(field: string | RegExp, what: string, from = 0, timeoutMs = 15_000): Promise<Message> {
    const has = (m: Message): boolean =>
      m.fields.some((f) => (typeof field === 'string' ? f === field : field.test(f)));
    return waitFor(() => this.messages.slice(from).find(has), { timeoutMs, message: `no message: ${what}` });
  }
}

/** WATCHDOG_USEC is 2 s: a ping every second. */
const PING_MS = 1_000;

/** The state letter of PID in /proc/PID/stat (`T` once a SIGSTOP took effect). */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:PORT. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

void describe('brokerwatch -I as a Type=notify service', () => {
  const cleanup = new Cleanup();
  let dir: string;
  before(async () => {
    dir = await testDir(cleanup, 'bw-notify-e2e-');
  });
  after(() => cleanup.run());

  void test('READY once listening, STATUS on change, WATCHDOG pings, RELOADING/READY on SIGHUP, STOPPING', async () => {
    const port = await freePort();
    const watched = join(dir, 'watched');
    await writeFile(watched, 'x');
    const rules = join(dir, 'rules.rc');
    await writeFile(
      rules,
      [
        'set daemon 1',
        `set statefile ${join(dir, 'state.json')}`,
        `set eventqueue basedir ${join(dir, 'events')}`,
        `set httpd port ${port} address 127.0.0.1`,
        '  allow admin:notify-test',
        `check file watched with path ${watched}`,
        '  if does not exist then alert',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const checks: Array<Promise<void>> = [];
    const ns = await NotifySocket.open(join(dir, 'notify'), cleanup, (m) => {
      if (m.fields.includes('READY=1') && m.listening === undefined)
        checks.push(accepts(port).then((ok) => void (m.listening = ok)));
    });
    const daemon = spawn(process.execPath, [BROKERWATCH, '-I', '-c', rules], {
      // WATCHDOG_USEC=2 s: a ping every second.
      env: { ...process.env, NOTIFY_SOCKET: join(dir, 'notify'), WATCHDOG_USEC: '2000000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let log = '';
    daemon.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    daemon.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = once(daemon, 'exit');
    cleanup.add(() => {
      if (daemon.exitCode === null && daemon.signalCode === null && daemon.pid !== undefined)
        signal(daemon.pid, 'SIGKILL');
    });
    await once(daemon, 'spawn');
    const pid = daemon.pid ?? 0;

    const ready = await ns.wait('READY=1', 'READY=1');
    await Promise.all(checks);
    assert.equal(ready.listening, true, 'the status API listens when READY=1 is sent');
    // Sent with brokerwatch's own PID as the sender's credentials: NotifyAccess=main accepts it.
    assert.equal(ready.pid, pid);
    assert.match(ready.fields.find((f) => f.startsWith('STATUS=')) ?? '', /^STATUS=1 service: /);
    await ns.wait('STATUS=1 service: 1 ok', 'STATUS ok');

    await rm(watched);
    await ns.wait('STATUS=1 service: 1 failed (watched)', 'STATUS failed');

    await waitFor(() => ns.messages.filter((m) => m.fields.includes('WATCHDOG=1')).length >= 3, {
      timeoutMs: 20_000,
      message: 'three watchdog pings',
    });
    // (The barrier systemd-notify sends after each message to wait for the manager is its own.)
    for (const m of ns.messages.filter((x) => !x.fields.includes('BARRIER=1')))
      assert.equal(m.pid, pid, `${m.fields.join(' ')} sent as brokerwatch`);

    // A stalled event loop: stopped until a ping is well overdue (the manager would notice), the
    // daemon's timers all run late when it continues, and the first ping is withheld (and said so)
    // until a timer runs on time again.
    signal(pid, 'SIGSTOP');
    const lastPing = (): number =>
      ns.messages.filter((m) => m.fields.includes('WATCHDOG=1')).at(-1)?.receivedAt ?? performance.now();
    await waitFor(() => processState(pid) === 'T' && performance.now() - lastPing() > 2.5 * PING_MS, {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'a watchdog ping overdue while the daemon is stopped',
    });
    signal(pid, 'SIGCONT');
    await waitFor(() => log.includes('watchdog pings withheld: event loop stalled'), {
      timeoutMs: 10_000,
      message: 'the withheld ping logged',
    });
    const afterStall = ns.messages.length;
    await waitFor(() => log.includes('watchdog pings resumed'), { timeoutMs: 10_000, message: 'pings resumed' });
    await ns.wait('WATCHDOG=1', 'a ping after the stall', afterStall);

    const from = ns.messages.length;
    // CLOCK_MONOTONIC is one clock for the whole machine: the daemon's reading lies between ours.
    const t0 = process.hrtime.bigint() / 1000n;
    signal(pid, 'SIGHUP');
    const reloading = await ns.wait('RELOADING=1', 'RELOADING=1', from);
    const t1 = process.hrtime.bigint() / 1000n;
    const usec = BigInt(/^MONOTONIC_USEC=(\d+)$/.exec(reloading.fields[1] ?? '')?.[1] ?? '0');
    assert.ok(usec >= t0 && usec <= t1, `MONOTONIC_USEC ${usec} between ${t0} and ${t1}`);
    await ns.wait('READY=1', 'READY=1 after the reload', ns.messages.indexOf(reloading) + 1);

    const beforeStop = ns.messages.length;
    signal(pid, 'SIGTERM');
    await ns.wait('STOPPING=1', 'STOPPING=1', beforeStop);
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
  });
});
