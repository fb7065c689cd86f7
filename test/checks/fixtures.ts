// Rules, services and check contexts for probe tests, written as literals (no parser), plus the
// socket census that proves a probe leaves nothing open, and stand-in TCP peers that misbehave.
import { Socket, createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Condition, MqttOptions, RoundTrip, Rule, Service, TlsOptions } from '../../src/config/model.js';
import type { CheckContext } from '../../src/checks/types.js';
import type { Clock } from '../../src/util/clock.js';
import { portCheck } from '../../src/checks/port/check.js';
import type { CheckResult } from '../../src/checks/result.js';
import { generate, parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { waitFor } from '../helpers/wait.js';

type PortCondition = Extract<Condition, { kind: 'port' }>;

const pos = { file: 'test.rc', line: 1, col: 1 };

/** A `port` condition on 127.0.0.1 speaking MQTT unless `protocol` says otherwise. */
export function mqttPort(
  port: number,
  opts: {
    timeoutMs?: number;
    retry?: number;
    mqtt?: Partial<MqttOptions>;
    roundTrip?: RoundTrip;
    tls?: Partial<TlsOptions>;
    protocol?: string;
    responseTime?: PortCondition['responseTime'];
  } = {},
): PortCondition {
  const protocol = opts.protocol ?? 'mqtt';
  return {
    kind: 'port',
    host: '127.0.0.1',
    port,
    transport: 'tcp',
    ...(protocol === 'tcp' ? {} : { protocol }),
    ...(protocol === 'mqtt'
      ? {
          mqtt: {
            version: 4,
            clientIdPrefix: 'bw-test',
            ...opts.mqtt,
            ...(opts.roundTrip ? { roundTrip: opts.roundTrip } : {}),
          },
        }
      : {}),
    ...(opts.tls ? { tls: { enabled: true, verify: true, ...opts.tls } } : {}),
    ...(opts.responseTime ? { responseTime: opts.responseTime } : {}),
    timeoutMs: opts.timeoutMs ?? 2_000,
    retry: opts.retry ?? 0,
  };
}

/** A round trip on the test topic. */
export const roundTrip = (qos: 0 | 1 | 2, separateConnections = false): RoundTrip => ({
  qos,
  topic: 'brokerwatch/probe',
  separateConnections,
});

/** A rule with id ID around CONDITION. */
export function rule(condition: Condition, id = 'r1'): Rule {
  return { id, condition, rate: { count: 1, cycles: 1 }, action: { kind: 'alert' }, pos };
}

/** A process service holding RULES. */
export function service(rules: readonly Rule[]): Service {
  return {
    name: 'mosquitto',
    type: 'process',
    pos,
    rules,
    dependsOn: [],
    groups: [],
    mode: 'active',
    onReboot: 'start',
    schedule: { kind: 'always' },
    alerts: [],
    noAlerts: [],
    backoff: { initialMs: 1_000, maxMs: 60_000, factor: 2, giveUpAfter: 5, cooldownMs: 600_000, resetAfterMs: 5_000 },
  };
}

/** A cycle's context for RULE; MEMO carries a rule's memory across calls. */
export function context(
  svc: Service,
  r: Rule,
  memo = new Map<string, unknown>(),
  signal = new AbortController().signal,
  clock?: Clock,
): CheckContext {
  return { service: svc, rule: r, signal, now: Date.now(), memo, ...(clock ? { clock } : {}) };
}

/** Client TCP sockets this process holds open: probe connections, not the test peers' accepted ones. */
export function openSockets(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  // An accepted socket carries its server (`socket.server`); a probe's own does not.
  return handles.filter(
    (h) =>
      h instanceof Socket && !h.destroyed && h.remotePort !== undefined && (h as { server?: unknown }).server == null,
  ).length;
}

/** Waits until no more than BASELINE sockets are open: probes must close what they open. */
/** Runs one cycle of a port check for COND and proves it left no socket behind. */
export async function probeOnce(cond: ReturnType<typeof mqttPort>): Promise<CheckResult> {
  const baseline = openSockets();
  const r = rule(cond);
  const result = await portCheck(cond).run(context(service([r]), r));
  await noSocketsLeft(baseline);
  return result;
}

export async function noSocketsLeft(baseline: number): Promise<void> {
  await waitFor(() => openSockets() <= baseline, {
    timeoutMs: 3_000,
    message: `sockets left open: ${openSockets()} > ${baseline}`,
  });
}

/** A TCP server on 127.0.0.1:0 that runs ON for each connection; counts live connections. */
export async function tcpPeer(
  on: (sock: Socket) => void,
): Promise<{ port: number; server: Server; live(): number; close(): Promise<void> }> {
  const socks = new Set<Socket>();
  const server = createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => undefined);
    on(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    server,
    live: () => socks.size,
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A scripted MQTT peer speaking VERSION: ANSWER gets each packet a probe sends and replies with
 *  whatever the case needs (refusals mosquitto never sends, or silence). */
export async function fakeBroker(
  version: 4 | 5,
  answer: (p: Packet, reply: (p: Packet) => void) => void,
): Promise<Awaited<ReturnType<typeof tcpPeer>>> {
  return tcpPeer((sock) => {
    const parser = createParser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => answer(p, (out) => sock.write(generate(out, { protocolVersion: version }))));
    parser.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => parser.parse(d));
  });
}

/** The usual answer to CONNECT: accepted. */
export const accept = (p: Packet, reply: (p: Packet) => void): boolean => {
  if (p.cmd !== 'connect') return false;
  reply({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 });
  return true;
};

/** A service of TYPE (a file service at PATH) holding one rule around CONDITION. */
export function serviceOf(type: Service['type'], condition: Condition, path?: string): { svc: Service; r: Rule } {
  const r = rule(condition);
  return { svc: { ...service([r]), type, ...(path !== undefined ? { path } : {}) }, r };
}

type KindOptions = { path?: string; memo?: Map<string, unknown>; extra?: Partial<CheckContext> };

/** Runs the registered check of a one-rule service through the registry, as the daemon does;
 *  undefined when it observed nothing this cycle. */
export async function observeKind(
  type: Service['type'],
  condition: Condition,
  opts: KindOptions = {},
): Promise<CheckResult | undefined> {
  const { loadChecks, createCheck } = await import('../../src/checks/registry.js');
  const { svc, r } = serviceOf(type, condition, opts.path);
  await loadChecks({ services: [svc] });
  const check = createCheck(svc, r);
  if (!check) throw new Error(`no check for '${condition.kind}' in a ${type} service`);
  return check.run({ ...context(svc, r, opts.memo), ...opts.extra });
}

/** observeKind, for a check that must give a result. */
export async function runKind(
  type: Service['type'],
  condition: Condition,
  opts: KindOptions = {},
): Promise<CheckResult> {
  const r = await observeKind(type, condition, opts);
  if (!r) throw new Error(`the '${condition.kind}' check gave no result`);
  return r;
}
