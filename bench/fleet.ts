// Fleet benchmark. A real mosquitto holds the retained status of simulated daemons (200 × 5 services
// by default), each an MQTT client with its last will that publishes what `set fleet` publishes:
// `brokerwatch/NAME/status` = online and `brokerwatch/NAME/service/SERVICE` = the JSON a real daemon
// sent for its broker (captured first, renamed; one daemon in 50 has a failing broker). Then
// `brokerwatch fleet --broker … --json` (the bundle) runs again and again: spawn → its whole output
// read, spawn → exit, its CPU time and peak RSS (GNU time's %U, %S and %M). And the cost of
// `set fleet` to a daemon: the idle benchmark (one broker probed every second) without and with it,
// one after the other.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { BrokerSetup } from './lib.js';
import { MOSQUITTO, ROOT, brokerSetup, cleanupBroker, killPid, sleep, waitServing } from './lib.js';
import { idleBench } from './supervision.js';
import type { IdleResult } from './supervision.js';

const GNU_TIME = '/usr/bin/time';
const BUNDLE = join(ROOT, 'dist/bin/brokerwatch.js');
/** The services of every simulated daemon (the payload is the real daemon's, renamed). */
const SERVICES = ['mosquitto', 'mosquitto-tls', 'bridge-cloud', 'persistence-db', 'sys-clients'];
/** The prefix the measured daemon publishes under, apart from the simulated fleet. */
const IDLE_PREFIX = 'bench-idle';

export interface FleetRun {
  /** Spawn → the last byte of its output (ms). */
  readonly printMs: number;
  /** Spawn → exit (ms). */
  readonly exitMs: number;
  /** User + system CPU time (ms): what the machine's load does not stretch. */
  readonly cpuMs: number;
  readonly rssMb: number;
}

export interface FleetResult {
  readonly daemons: number;
  readonly services: number;
  /** Bytes of one service's retained JSON. */
  readonly payloadBytes: number;
  /** Bytes `brokerwatch fleet --json` printed. */
  readonly outputBytes: number;
  readonly runs: FleetRun[];
  /** `node -e 0`, for the floor. */
  readonly node: FleetRun[];
  readonly idleWithout: IdleResult;
  readonly idleWith: IdleResult;
}

/** Runs the whole benchmark: DAEMONS simulated daemons, RUNS runs of the command, IDLESECONDS per idle case. */
export async function fleetBench(daemons: number, runs: number, idleSeconds: number): Promise<FleetResult> {
  const b = await brokerSetup('fleet');
  const broker = spawn(MOSQUITTO, ['-c', b.conf], { stdio: 'ignore' });
  const clients: MqttClient[] = [];
  try {
    if ((await waitServing(b.port, 10_000)) === undefined) throw new Error(`fleet broker not serving (see ${b.dir})`);
    const url = `mqtt://127.0.0.1:${b.port}`;
    const fleetLine = `set fleet ${url} name "bench" prefix "${IDLE_PREFIX}" with timeout 2 seconds`;
    const idleWithout = await idleBench('brokerwatch', idleSeconds);
    const idleWith = await idleBench('brokerwatch', idleSeconds, [fleetLine]);
    const template = await retainedService(b.port, `${IDLE_PREFIX}/bench/service/mosquitto`);
    clients.push(...(await simulate(b.port, daemons, template)));
    const node: FleetRun[] = [];
    const fleetRuns: FleetRun[] = [];
    let outputBytes = 0;
    for (let i = 0; i < runs; i++) {
      node.push(await timed(process.execPath, ['-e', '0'], b));
      const r = await timed(process.execPath, [BUNDLE, 'fleet', '--broker', url, '--json'], b);
      outputBytes = checkOutput(r.stdout, daemons);
      fleetRuns.push(r);
    }
    return {
      daemons,
      services: daemons * SERVICES.length,
      payloadBytes: Buffer.byteLength(JSON.stringify(template)),
      outputBytes,
      runs: fleetRuns,
      node,
      idleWithout,
      idleWith,
    };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    killPid(broker.pid);
    await cleanupBroker(b);
  }
}

/** The retained JSON on TOPIC (what the daemon published for its broker). */
async function retainedService(port: number, topic: string): Promise<Record<string, unknown>> {
  const c = await connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0, clean: true });
  try {
    const got = new Promise<Buffer>((resolve) => c.on('message', (t, p) => t === topic && resolve(p)));
    await c.subscribeAsync(topic, { qos: 1 });
    const p = await Promise.race([got, sleep(5_000).then(() => undefined)]);
    if (!p) throw new Error(`nothing retained on ${topic}: did the daemon publish with set fleet?`);
    return JSON.parse(p.toString()) as Record<string, unknown>;
  } finally {
    await c.endAsync(true);
  }
}

/** Connects N simulated daemons (in batches), each publishing `online` and its services, retained. */
async function simulate(port: number, n: number, template: Record<string, unknown>): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  const one = async (i: number): Promise<MqttClient> => {
    const name = `edge-${String(i + 1).padStart(3, '0')}`;
    const status = `brokerwatch/${name}/status`;
    const c = await connectAsync({
      host: '127.0.0.1',
      port,
      clientId: `bench-fleet-${name}`,
      clean: true,
      reconnectPeriod: 0,
      will: { topic: status, payload: Buffer.from('offline'), retain: true, qos: 1 },
    });
    await c.publishAsync(status, 'online', { retain: true, qos: 1 });
    for (const s of SERVICES) {
      const failing = s === 'mosquitto' && i % 50 === 0;
      const dto = { ...template, name: s, ...(failing ? failedFields(template) : {}) };
      await c.publishAsync(`brokerwatch/${name}/service/${s}`, JSON.stringify(dto), { retain: true, qos: 1 });
    }
    return c;
  };
  for (let i = 0; i < n; i += 20) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 20); j++) batch.push(one(j));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

function failedFields(t: Record<string, unknown>): Record<string, unknown> {
  return {
    status: 'failed',
    pid: null,
    failure: {
      rule: 'r1',
      type: 'connection',
      class: 'port-closed',
      message: '127.0.0.1:1883: connection refused',
      since: Date.now(),
    },
    restarts: Number(t.restarts ?? 0) + 3,
  };
}

/** Runs ARGV under GNU time: spawn → last output byte, spawn → exit, peak RSS, and what it printed. */
async function timed(bin: string, argv: readonly string[], b: BrokerSetup): Promise<FleetRun & { stdout: string }> {
  const rssFile = join(b.dir, 'maxrss');
  const t0 = performance.now();
  const child: ChildProcess = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, bin, ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  let last = t0;
  child.stdout?.on('data', (d: Buffer) => {
    chunks.push(d);
    last = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const exitMs = performance.now() - t0;
  // Exit 1: the fleet has a failing service, as simulated.
  if (code !== 0 && code !== 1) throw new Error(`${argv.join(' ')}: exit ${code}`);
  // GNU time's last line (a first one says "Command exited with non-zero status 1").
  const [rssKb, user, sys] = ((await readFile(rssFile, 'utf8')).trim().split('\n').pop() ?? '').split(' ').map(Number);
  await rm(rssFile, { force: true });
  return {
    printMs: last - t0,
    exitMs,
    cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000,
    rssMb: (rssKb ?? NaN) / 1024,
    stdout: Buffer.concat(chunks).toString(),
  };
}

/** Checks that the command printed every simulated daemon and service; returns the output's size. */
function checkOutput(stdout: string, daemons: number): number {
  const j = JSON.parse(stdout) as { daemons: Array<{ status: string; services: unknown[] }> };
  const services = j.daemons.reduce((n, d) => n + d.services.length, 0);
  const online = j.daemons.filter((d) => d.status === 'online').length;
  if (j.daemons.length !== daemons || online !== daemons || services !== daemons * SERVICES.length)
    throw new Error(`fleet printed ${j.daemons.length} daemons (${online} online), ${services} services`);
  return Buffer.byteLength(stdout);
}
