// A real mosquitto for tests, on a free port, in its own temporary folder. Tests of supervision
// need the real broker's habits (forking with -d, its pidfile, its log), which no mock has.
// Every broker is remembered and killed when the test process exits, so a failing test never
// leaves one behind; a daemonized mosquitto has its own session and would outlive us.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { connect, connectAsync } from 'mqtt';
import type { IClientOptions } from 'mqtt';
import { freePort } from './ports.js';
import { tempDir } from './tmp.js';
import type { TempDir } from './tmp.js';
import { waitFor } from './wait.js';

/** The Debian broker binary the tests run. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** A TLS listener beside the plain one (the plain one stays, for readiness checks). */
export interface MosquittoTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly requireCertificate?: boolean;
  readonly port?: number;
}

/** What goes into the generated mosquitto.conf besides the fixed lines. */
export interface MosquittoConfigOptions {
  readonly extraConfig?: readonly string[];
  readonly passwordFile?: string;
  readonly aclFile?: string;
  readonly tls?: MosquittoTls;
}

/** Options of startMosquitto. */
export interface MosquittoOptions extends MosquittoConfigOptions {
  readonly port?: number;
  /** Start with -d like an init script: mosquitto forks, detaches and writes its pidfile. */
  readonly daemonize?: boolean;
  readonly startTimeoutMs?: number;
}

/** A running broker started by startMosquitto. */
export interface RunningMosquitto {
  readonly port: number;
  readonly tlsPort: number | undefined;
  /** The PID at start; a broker restarted by brokerwatch with the same config gets another. */
  readonly pid: number;
  readonly pidfile: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly dir: string;
  /** Kills every mosquitto running this config (TERM, then KILL) and removes the folder. */
  stop(): Promise<void>;
}

/** Where a broker folder keeps its files. */
export function mosquittoPaths(dir: string): { configFile: string; pidfile: string; logFile: string } {
  return {
    configFile: join(dir, 'mosquitto.conf'),
    pidfile: join(dir, 'mosquitto.pid'),
    logFile: join(dir, 'mosquitto.log'),
  };
}

/** Writes DIR/mosquitto.conf and returns the argv a start program runs (`mosquitto -d -c CONF`);
 *  brokers started from it are killed at process exit too. */
export function mosquittoCommand(
  dir: string,
  port: number,
  opts: MosquittoConfigOptions & { tlsPort?: number } = {},
): string[] {
  const { configFile } = mosquittoPaths(dir);
  writeFileSync(configFile, configText(dir, port, opts), { mode: 0o600 });
  remember(configFile);
  return [MOSQUITTO_BIN, '-d', '-c', configFile];
}

function configText(dir: string, port: number, opts: MosquittoConfigOptions & { tlsPort?: number }): string {
  const { pidfile, logFile } = mosquittoPaths(dir);
  const lines = [
    // As root, mosquitto 2 drops to user "mosquitto" before writing its pidfile and log, which
    // then fail in a 0700 folder and it exits at once; naming the current user keeps it as is.
    // (As non-root the option is ignored.)
    `user ${userInfo().username}`,
    `pid_file ${pidfile}`,
    'persistence false',
    `log_dest file ${logFile}`,
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.passwordFile === undefined ? 'true' : 'false'}`,
  ];
  if (opts.passwordFile !== undefined) lines.push(`password_file ${opts.passwordFile}`);
  if (opts.aclFile !== undefined) lines.push(`acl_file ${opts.aclFile}`);
  if (opts.tls !== undefined && opts.tlsPort !== undefined) {
    lines.push(`listener ${opts.tlsPort} 127.0.0.1`, `certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`);
    if (opts.tls.caFile !== undefined) lines.push(`cafile ${opts.tls.caFile}`);
    if (opts.tls.requireCertificate === true) lines.push('require_certificate true');
  }
  return [...lines, ...(opts.extraConfig ?? []), ''].join('\n');
}

/** Starts a real mosquitto and resolves once it answers an MQTT CONNECT with a CONNACK. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  // A free port can be taken between freePort() and mosquitto's bind; pick another then.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const dir = await tempDir('brokerwatch-mosquitto-');
    try {
      return await startIn(dir, opts);
    } catch (err) {
      await forget(mosquittoPaths(dir.path).configFile);
      await dir.cleanup();
      if (attempt >= attempts || !String(err).includes('Address already in use')) throw err;
    }
  }
}

/** mosquitto.conf lines for two websockets listeners on loopback: WS, and WSS with the certificate. */
export function websocketListeners(ws: number, wss: number, cert: { file: string; keyFile: string }): string[] {
  return [
    `listener ${ws} 127.0.0.1`,
    'protocol websockets',
    `listener ${wss} 127.0.0.1`,
    'protocol websockets',
    `certfile ${cert.file}`,
    `keyfile ${cert.keyFile}`,
  ];
}

async function startIn(dir: TempDir, opts: MosquittoOptions): Promise<RunningMosquitto> {
  const port = opts.port ?? (await freePort());
  const tlsPort = opts.tls === undefined ? undefined : (opts.tls.port ?? (await freePort()));
  const argv = mosquittoCommand(dir.path, port, { ...opts, ...(tlsPort !== undefined ? { tlsPort } : {}) });
  const paths = mosquittoPaths(dir.path);
  owned.set(paths.configFile, dir.path);
  if (opts.daemonize === true) {
    // With -d the launcher exits 0 right after forking, before the bind and even when the bind
    // fails, so its status proves nothing; readiness comes from the pidfile and a CONNACK.
    await execa(argv[0] ?? MOSQUITTO_BIN, argv.slice(1), { stdin: 'ignore', timeout: 10_000 });
  } else {
    // Unref'd: a test that forgets stop() must still end (the exit hook then kills the broker).
    spawn(MOSQUITTO_BIN, ['-c', paths.configFile], { stdio: 'ignore' })
      .on('error', () => {})
      .unref();
  }
  const pid = await waitFor(
    async () => {
      if (mosquittoPids(paths.configFile).length === 0) {
        throw new Error(`mosquitto exited while starting: ${await logTail(paths.logFile)}`);
      }
      // mosquitto writes its pidfile before it binds, and while a second broker on a busy port
      // lives, the first one answers the CONNACK; only "running" in its own log means it bound.
      const pid = await readPid(paths.pidfile);
      if (pid === undefined || !/mosquitto version \S+ running/.test(await readLog(paths.logFile))) return undefined;
      const probe = await mqttConnack(port, 500);
      return probe.kind === 'connack' ? pid : undefined;
    },
    { timeoutMs: opts.startTimeoutMs ?? 10_000, message: `mosquitto on port ${port} never sent a CONNACK` },
  );
  return {
    port,
    tlsPort,
    pid,
    dir: dir.path,
    ...paths,
    stop: async () => {
      await forget(paths.configFile);
      await dir.cleanup();
    },
  };
}

/** Stops every mosquitto running CONFIG: CONT (a test may have stopped it), TERM, then KILL. */
export async function stopConfig(configFile: string, termTimeoutMs = 5_000): Promise<void> {
  const pids = mosquittoPids(configFile);
  signalAll(pids, 'SIGCONT');
  signalAll(pids, 'SIGTERM');
  const gone = (): boolean => pids.every((pid) => !isRunning(pid));
  try {
    await waitFor(gone, { timeoutMs: termTimeoutMs, message: 'mosquitto ignored SIGTERM' });
  } catch {
    signalAll(pids, 'SIGKILL');
    await waitFor(gone, { timeoutMs: 5_000, message: `mosquitto ${pids.join(',')} survived SIGKILL` });
  }
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to do.
    }
  }
}

/** PIDs of live mosquitto processes whose command line names CONFIG (found through /proc, so
 *  brokers started by brokerwatch are found too). */
export function mosquittoPids(configFile: string): number[] {
  return mosquittoProcesses()
    .filter(({ argv }) => argv.includes(configFile))
    .map(({ pid }) => pid);
}

function mosquittoProcesses(): Array<{ pid: number; argv: string[] }> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    const pid = Number(entry);
    if (basename(argv[0] ?? '') === 'mosquitto' && isRunning(pid)) found.push({ pid, argv });
  }
  return found;
}

/** True while PID exists and is not a zombie. A killed daemon's parent is PID 1, which may reap it
 *  late, and kill(pid, 0) succeeds on a zombie. */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may itself hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

async function readPid(pidfile: string): Promise<number | undefined> {
  const text = await readFile(pidfile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function readLog(logFile: string): Promise<string> {
  return readFile(logFile, 'utf8').catch(() => '(no log)');
}

async function logTail(logFile: string): Promise<string> {
  return (await readLog(logFile)).slice(-800);
}

/** The answer to one MQTT 3.1.1 CONNECT: a CONNACK (code 0 = accepted), or why none came. */
export type ConnackProbe =
  | { readonly kind: 'connack'; readonly code: number; readonly ms: number }
  | { readonly kind: 'error'; readonly message: string; readonly ms: number };

/** Credentials and host for a probe. */
export interface ProbeOptions {
  readonly host?: string;
  readonly username?: string;
  readonly password?: string;
}

let probeCount = 0;

/** Connects once to 127.0.0.1:PORT and reports the CONNACK or the failure; never throws. */
export async function mqttConnack(port: number, timeoutMs: number, opts: ProbeOptions = {}): Promise<ConnackProbe> {
  const started = performance.now();
  const ms = (): number => performance.now() - started;
  const client = connect({
    host: opts.host ?? '127.0.0.1',
    port,
    protocolVersion: 4,
    clientId: `bw-test-${process.pid}-${++probeCount}`,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    reconnectPeriod: 0,
    // Our own timer below decides; mqtt.js's must not fire first with a vaguer "close".
    connectTimeout: timeoutMs + 1_000,
  });
  try {
    return await new Promise<ConnackProbe>((resolve) => {
      const timer = setTimeout(
        () => resolve({ kind: 'error', message: `no CONNACK within ${timeoutMs} ms`, ms: ms() }),
        timeoutMs,
      );
      const done = (probe: ConnackProbe): void => {
        clearTimeout(timer);
        resolve(probe);
      };
      client.once('connect', () => done({ kind: 'connack', code: 0, ms: ms() }));
      // Kept for the client's whole life: an 'error' with no listener would crash the test.
      client.on('error', (err: Error & { code?: unknown }) => {
        const code = err.code;
        done(
          typeof code === 'number'
            ? { kind: 'connack', code, ms: ms() }
            : { kind: 'error', message: err.message, ms: ms() },
        );
      });
      client.once('close', () => done({ kind: 'error', message: 'connection closed before CONNACK', ms: ms() }));
    });
  } finally {
    client.end(true);
  }
}

/** Milliseconds from a fresh connect to an accepting CONNACK; throws on timeout or refusal. */
export async function mqttConnackMs(port: number, timeoutMs: number, opts: ProbeOptions = {}): Promise<number> {
  const probe = await mqttConnack(port, timeoutMs, opts);
  if (probe.kind === 'error') throw new Error(`port ${port}: ${probe.message}`);
  if (probe.code !== 0) throw new Error(`port ${port}: CONNACK refused with code ${probe.code}`);
  return probe.ms;
}

/** Subscribes to a private topic, publishes one unique non-retained message at QOS and resolves
 *  when it comes back; rejects after TIMEOUTMS. CLIENT adds options (TLS, credentials, MQTT 5). */
export async function mqttRoundTrip(
  port: number,
  qos: 0 | 1 | 2 = 1,
  client: IClientOptions = {},
  timeoutMs = 5_000,
): Promise<void> {
  const id = `${process.pid}-${++probeCount}`;
  const topic = `brokerwatch-test/${id}`;
  const payload = `${id}-${randomUUID()}`;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no QoS ${qos} round trip on port ${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const mqtt = await Promise.race([
    connectAsync({
      host: '127.0.0.1',
      port,
      clientId: `bw-test-${id}`,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      ...client,
    }),
    deadline,
  ]).catch((err: unknown) => {
    clearTimeout(timer);
    throw err;
  });
  try {
    const received = new Promise<void>((resolve) => {
      mqtt.on('message', (t, p) => {
        if (t === topic && p.toString() === payload) resolve();
      });
    });
    await Promise.race([
      (async () => {
        await mqtt.subscribeAsync(topic, { qos });
        await mqtt.publishAsync(topic, payload, { qos });
        await received;
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    await mqtt.endAsync(true);
  }
}

/** Writes a mosquitto password file (hashed by mosquitto_passwd) for USER → PASSWORD pairs. */
export async function writePasswordFile(path: string, users: Readonly<Record<string, string>>): Promise<void> {
  let create = true;
  for (const [user, password] of Object.entries(users)) {
    await execa('mosquitto_passwd', [...(create ? ['-c'] : []), '-b', path, user, password], { timeout: 10_000 });
    create = false;
  }
  await chmod(path, 0o600);
}

// Config files whose brokers are killed at exit; `owned` ones also have their folder removed.
const remembered = new Set<string>();
const owned = new Map<string, string>();

let hooked = false;

function remember(configFile: string): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAllSync);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killAllSync();
        // Our listener replaced the default "terminate"; restore it unless someone else handles it.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    }
  }
  remembered.add(configFile);
}

/** Stops the brokers of CONFIG and stops watching it at exit. */
async function forget(configFile: string): Promise<void> {
  await stopConfig(configFile);
  remembered.delete(configFile);
  owned.delete(configFile);
}

function killAllSync(): void {
  const mine = mosquittoProcesses().filter(({ argv }) => argv.some((arg) => remembered.has(arg)));
  signalAll(
    mine.map(({ pid }) => pid),
    'SIGKILL',
  );
  for (const dir of owned.values()) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit; the folder is under os.tmpdir().
    }
  }
}
