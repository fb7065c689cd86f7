// Per-protocol probe latency: each port-test protocol (and ping) probed N times on loopback against
// a real peer — mosquitto (MQTT, its websockets listener), dnsmasq (DNS over UDP and TCP), node:http
// (HTTP, and HTTP over a unix socket), small net servers speaking SSH's banner and a line protocol —
// through the rules language and the check registry, as the daemon runs them. Reports the probe's
// own total time (median, p99) and the CPU this process spent per probe (with the in-process peers'
// share; ping's own process and the external servers are not counted).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheck, loadChecks } from '../src/checks/registry.js';
import { parseRules } from '../src/config/loader.js';
import { connack, freePort, MOSQUITTO, sleep } from './lib.js';

/** One protocol's figures: probe totals (ms) and CPU µs per probe. */
export interface ProtocolFigures {
  readonly name: string;
  readonly totals: number[];
  readonly cpuUsPerProbe: number;
  readonly failures: number;
  readonly firstFailure?: string;
}

const DNSMASQ = '/usr/sbin/dnsmasq';
const PING = '/usr/bin/ping';

/** Probes RULE (an `if failed …` condition of a `check host` on 127.0.0.1) N times. */
async function measure(name: string, condition: string, n: number): Promise<ProtocolFigures> {
  const { config } = await parseRules(
    `check host bench with address 127.0.0.1\n  if failed ${condition} then alert\n`,
    'bench.rc',
  );
  await loadChecks(config);
  const service = config.services[0];
  const rule = service?.rules[0];
  if (!service || !rule) throw new Error(`no rule in '${condition}'`);
  const check = createCheck(service, rule);
  if (!check) throw new Error(`no check for '${condition}'`);
  const totals: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const ctx = { service, rule, signal: new AbortController().signal, memo: new Map(), now: Date.now() };
  await check.run(ctx); // warm-up: module loading and first connections are not the probe's cost
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await check.run({ ...ctx, now: Date.now() });
    totals.push(performance.now() - t);
    if (r?.status !== 'ok') {
      failures++;
      firstFailure ??= r?.message;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  check.close?.();
  return {
    name,
    totals,
    cpuUsPerProbe: (cpu.user + cpu.system) / n,
    failures,
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}

/** The peers, started once; `stop` ends what was started, by PID or handle. */
async function peers(dir: string): Promise<{
  mqtt: number;
  ws: number;
  dns?: number;
  http: number;
  httpSock: string;
  ssh: number;
  line: number;
  stop(): Promise<void>;
}> {
  const children: ChildProcess[] = [];
  const servers: Array<Server | ReturnType<typeof createHttpServer>> = [];
  const sockets = new Set<Socket>();
  const [mqtt, ws] = [await freePort(), await freePort()];
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${mqtt} 127.0.0.1`,
      'allow_anonymous true',
      `listener ${ws} 127.0.0.1`,
      'protocol websockets',
      'user root',
      '',
    ].join('\n'),
  );
  children.push(spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' }));
  let dns: number | undefined;
  if (existsSync(DNSMASQ)) {
    dns = await freePort();
    const user = process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'nobody');
    children.push(
      spawn(
        DNSMASQ,
        [
          '--no-daemon',
          '--conf-file=/dev/null',
          '--no-resolv',
          '--no-hosts',
          '--bind-interfaces',
          '--listen-address=127.0.0.1',
          `--port=${dns}`,
          `--user=${user}`,
          '--pid-file=',
          '--auth-server=ns.bench',
          '--auth-zone=.',
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  const listen = async (s: Server | ReturnType<typeof createHttpServer>, where?: string): Promise<number> => {
    servers.push(s);
    s.on('connection', (c: Socket) => {
      sockets.add(c);
      c.on('error', () => undefined);
      c.once('close', () => sockets.delete(c));
    });
    await new Promise<void>((r) => (where ? s.listen(where, r) : s.listen(0, '127.0.0.1', r)));
    return where ? 0 : (s.address() as AddressInfo).port;
  };
  const http = await listen(createHttpServer((_q, res) => res.end('ok')));
  const httpSock = join(dir, 'http.sock');
  await listen(
    createHttpServer((_q, res) => res.end('ok')),
    httpSock,
  );
  const ssh = await listen(createServer((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')));
  const line = await listen(
    createServer((s) => {
      s.write('220 ready\r\n');
      s.on('data', () => s.end('221 bye\r\n'));
    }),
  );
  for (let i = 0; i < 500 && !(await connack(mqtt, 200)); i++) await sleep(20);
  return {
    mqtt,
    ws,
    ...(dns !== undefined ? { dns } : {}),
    http,
    httpSock,
    ssh,
    line,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
      for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    },
  };
}

/** Every protocol's figures, N probes each. */
export async function protocolBench(n: number): Promise<ProtocolFigures[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-protocols-'));
  const p = await peers(dir);
  try {
    const cases: Array<[string, string]> = [
      ['tcp (connect)', `port ${p.mqtt}`],
      ['mqtt (CONNACK)', `port ${p.mqtt} protocol mqtt`],
      ['mqtt roundtrip qos 1', `port ${p.mqtt} protocol mqtt roundtrip qos 1`],
      ['mqtt over websocket', `port ${p.ws} protocol mqtt over websocket`],
      ['mqtt over websocket, roundtrip qos 1', `port ${p.ws} protocol mqtt over websocket roundtrip qos 1`],
      ['websocket (mosquitto)', `port ${p.ws} protocol websocket`],
      ['http', `port ${p.http} protocol http`],
      ['http over unixsocket', `unixsocket ${p.httpSock} protocol http`],
      ['ssh (banner server)', `port ${p.ssh} protocol ssh`],
      ['send/expect (line server)', `port ${p.line} expect "^220" send "QUIT\\r\\n" expect "^221"`],
      ...(p.dns !== undefined
        ? ([
            ['dns over udp (dnsmasq)', `port ${p.dns} type udp protocol dns`],
            ['dns over tcp (dnsmasq)', `port ${p.dns} protocol dns`],
          ] as Array<[string, string]>)
        : []),
      ...(existsSync(PING) ? ([['ping 127.0.0.1 (iputils)', 'ping count 1']] as Array<[string, string]>) : []),
    ];
    const out: ProtocolFigures[] = [];
    for (const [name, condition] of cases) out.push(await measure(name, condition, n));
    return out;
  } finally {
    await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
