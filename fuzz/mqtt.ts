// Fuzz target 3, the MQTT probe: a port test `protocol mqtt [roundtrip …]` parsed from rules text
// and run through the check registry as the daemon runs it, against a fake broker on loopback that
// answers correctly except for one reply on each connection, which it mutates, truncates, replaces with garbage or
// with another packet, withholds, or answers by closing or resetting the connection. Promises: the
// check never throws, its result is ok or a failure of a known class (never 'internal'), a reply the
// probe needed and did not get well is a failure, it ends within its timeout, and no socket stays open.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { generate, parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { parseRules } from '../src/config/loader.js';
import { createCheck, loadChecks } from '../src/checks/registry.js';
import { FAILURE_CLASSES } from '../src/checks/result.js';
import type { CheckResult } from '../src/checks/result.js';
import { eventually, fdsBackTo, openFds } from './descriptors.js';
import { Rng } from './prng.js';
import type { CaseReport, FuzzSession, FuzzTarget } from './target.js';

/** How the one mutated reply goes wrong. */
const MUTATIONS = [
  'flip',
  'truncate',
  'truncate-close',
  'garbage',
  'close',
  'reset',
  'stall',
  'wrong-type',
  'wrong-id',
  'extra-before',
  'split',
  'duplicate',
  'huge-length',
  'disconnect',
  'refuse',
] as const;
type Mutation = (typeof MUTATIONS)[number];
/** Mutations after which a needed reply is not had: the probe must fail. */
const FATAL: ReadonlySet<Mutation> = new Set([
  'truncate',
  'truncate-close',
  'garbage',
  'close',
  'reset',
  'stall',
  'wrong-type',
  'wrong-id',
  'huge-length',
  'disconnect',
]);

type Victim = 'connack' | 'suback' | 'puback' | 'pubrec' | 'pubcomp' | 'publish';

/** One case: the rule's options and which reply goes wrong, how. */
export interface MqttScenario {
  readonly version: 4 | 5;
  readonly roundTrip?: { readonly qos: 0 | 1 | 2; readonly separate: boolean };
  readonly timeoutMs: number;
  readonly retry: number;
  readonly victim: Victim;
  readonly mutation: Mutation;
  /** Drives the mutation's own draws (which bytes, how many). */
  readonly seed: number;
}

export function scenario(rng: Rng): MqttScenario {
  const version = rng.pick([4, 5] as const);
  const roundTrip = rng.chance(0.7) ? { qos: rng.pick([0, 1, 2] as const), separate: rng.chance(0.2) } : undefined;
  const victims: Victim[] = ['connack'];
  if (roundTrip) victims.push('suback', 'publish');
  if (roundTrip?.qos === 1) victims.push('puback');
  if (roundTrip?.qos === 2) victims.push('pubrec', 'pubcomp');
  return {
    version,
    ...(roundTrip ? { roundTrip } : {}),
    timeoutMs: rng.pick([300, 500, 800]),
    retry: rng.chance(0.1) ? 1 : 0,
    victim: rng.pick(victims),
    mutation: rng.pick(MUTATIONS),
    seed: rng.int(0, 2 ** 31),
  };
}

/** The rules text of a scenario's port test on PORT. */
export function ruleText(s: MqttScenario, port: number): string {
  const rt = s.roundTrip
    ? ` roundtrip qos ${s.roundTrip.qos}${s.roundTrip.separate ? ' separate connections' : ''}`
    : '';
  return [
    'check host broker with address 127.0.0.1',
    `  if failed port ${port} protocol mqtt version ${s.version === 5 ? '5' : '3.1.1'}${rt}`,
    `     with timeout ${s.timeoutMs} ms${s.retry > 0 ? ` retry ${s.retry}` : ''} then alert`,
    '',
  ].join('\n');
}

/** Whether the probe must fail: a reply it needed was not had, or refused. */
export function mustFail(s: MqttScenario): boolean {
  if (FATAL.has(s.mutation)) return true;
  if (s.mutation !== 'refuse') return false;
  // MQTT 3.1.1 acknowledgements carry no reason code to refuse with.
  return !(s.version === 4 && ['puback', 'pubrec', 'pubcomp'].includes(s.victim));
}

/** A broker that answers every packet right but the scenario's victim. */
class FakeBroker {
  readonly #server: Server;
  readonly #live = new Set<Socket>();
  #case: MqttScenario | undefined;
  #rng: Rng | undefined;
  /** Connections whose victim reply went out mutated: one per connection, so every retry meets it. */
  #mutated = new WeakSet<Socket>();
  #subscribers = new Map<string, { sock: Socket; qos: number }>();
  #released = new Map<number, Packet>();

  constructor() {
    this.#server = createServer((sock) => this.#accept(sock));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new Error('no TCP address');
    return a.port;
  }

  /** Connections open on the broker's side. */
  live(): number {
    return this.#live.size;
  }

  begin(s: MqttScenario): void {
    for (const sock of this.#live) sock.destroy();
    this.#case = s;
    this.#rng = new Rng(s.seed);
    this.#mutated = new WeakSet();
    this.#subscribers = new Map();
    this.#released = new Map();
  }

  async close(): Promise<void> {
    for (const sock of this.#live) sock.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(sock: Socket): void {
    this.#live.add(sock);
    sock.on('close', () => this.#live.delete(sock));
    sock.on('error', () => undefined);
    sock.setNoDelay(true);
    const parser = createParser({ protocolVersion: this.#case?.version ?? 4 });
    parser.on('packet', (p: Packet) => this.#answer(sock, p));
    parser.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => parser.parse(d));
  }

  #answer(sock: Socket, p: Packet): void {
    switch (p.cmd) {
      case 'connect':
        return this.#reply(sock, 'connack', { cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 });
      case 'subscribe':
        for (const sub of p.subscriptions) this.#subscribers.set(sub.topic, { sock, qos: sub.qos });
        return this.#reply(sock, 'suback', {
          cmd: 'suback',
          messageId: p.messageId ?? 0,
          granted: p.subscriptions.map((sub) => sub.qos),
        });
      case 'publish':
        if (p.qos === 2) {
          this.#released.set(p.messageId ?? 0, p);
          return this.#reply(sock, 'pubrec', { cmd: 'pubrec', messageId: p.messageId ?? 0, reasonCode: 0 });
        }
        if (p.qos === 1) this.#reply(sock, 'puback', { cmd: 'puback', messageId: p.messageId ?? 0, reasonCode: 0 });
        return this.#deliver(p);
      case 'pubrel': {
        this.#reply(sock, 'pubcomp', { cmd: 'pubcomp', messageId: p.messageId ?? 0, reasonCode: 0 });
        const held = this.#released.get(p.messageId ?? 0);
        this.#released.delete(p.messageId ?? 0);
        return held ? this.#deliver(held) : undefined;
      }
      case 'pubrec':
        return this.#reply(sock, undefined, { cmd: 'pubrel', messageId: p.messageId ?? 0 });
      case 'pingreq':
        return this.#reply(sock, undefined, { cmd: 'pingresp' });
      default:
        return undefined;
    }
  }

  #deliver(p: Packet): void {
    if (p.cmd !== 'publish') return;
    const sub = this.#subscribers.get(p.topic);
    if (!sub) return;
    const qos = Math.min(p.qos, sub.qos) as 0 | 1 | 2;
    this.#reply(sub.sock, 'publish', {
      cmd: 'publish',
      topic: p.topic,
      payload: p.payload,
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { messageId: 1 } : {}),
    });
  }

  #reply(sock: Socket, kind: Victim | undefined, p: Packet): void {
    const s = this.#case;
    const rng = this.#rng;
    if (!s || !rng || sock.destroyed) return;
    const bytes = generate(p, { protocolVersion: s.version });
    if (kind !== s.victim || this.#mutated.has(sock)) {
      sock.write(bytes);
      return;
    }
    this.#mutated.add(sock);
    mutateReply(sock, bytes, p, s, rng);
  }
}

/** A packet the probe did not ask for. */
function unsolicited(rng: Rng, version: 4 | 5): Buffer {
  const packets: Packet[] = [
    { cmd: 'publish', topic: 'other/topic', payload: Buffer.from('x'), qos: 0, retain: false, dup: false },
    { cmd: 'pubrel', messageId: 999 },
    { cmd: 'suback', messageId: 999, granted: [0] },
    { cmd: 'pingresp' },
    { cmd: 'puback', messageId: 777 },
    { cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 },
    ...(version === 5 ? [{ cmd: 'auth', reasonCode: 0x18 } as Packet] : []),
  ];
  return generate(rng.pick(packets), { protocolVersion: version });
}

/** The same reply refused: a CONNACK or SUBACK code, an MQTT 5 reason, or another payload. */
function refused(rng: Rng, p: Packet, version: 4 | 5): Packet {
  switch (p.cmd) {
    case 'connack':
      return version === 5
        ? { ...p, reasonCode: rng.pick([0x80, 0x84, 0x86, 0x87, 0x88, 0x8a, 0x9f]) }
        : { ...p, returnCode: rng.int(1, 5) };
    case 'suback':
      return { ...p, granted: [version === 5 ? rng.pick([0x80, 0x87, 0x8f, 0xa1]) : 0x80] };
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
      return version === 5 ? { ...p, reasonCode: rng.pick([0x80, 0x87, 0x90, 0x92, 0x97]) } : p;
    case 'publish':
      return { ...p, payload: Buffer.from('not the probe payload') };
    default:
      return p;
  }
}

/** The same reply naming another packet id (another topic for a PUBLISH), or of another type. */
function misnamed(rng: Rng, p: Packet, bytes: Buffer, version: 4 | 5): Buffer {
  if (p.cmd === 'publish') return generate({ ...p, topic: `${p.topic}/elsewhere` }, { protocolVersion: version });
  if ('messageId' in p && p.messageId !== undefined)
    return generate({ ...p, messageId: (p.messageId % 65535) + 1 } as Packet, { protocolVersion: version });
  return retyped(rng, bytes);
}

function retyped(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const type = (bytes[0] ?? 0) >> 4;
  const other = (type + rng.int(1, 15)) % 16;
  out[0] = (other << 4) | ((bytes[0] ?? 0) & 0x0f);
  return out;
}

/** Writes BYTES one at a time, each in its own turn of the event loop. */
function dribble(sock: Socket, bytes: Buffer, i = 0): void {
  if (i >= bytes.length || sock.destroyed) return;
  sock.write(bytes.subarray(i, i + 1));
  setImmediate(() => dribble(sock, bytes, i + 1));
}

/** Sends (or does not send) the reply P, encoded as BYTES, mutated the scenario's way. */
function mutateReply(sock: Socket, bytes: Buffer, p: Packet, s: MqttScenario, rng: Rng): void {
  const cut = bytes.subarray(0, rng.int(1, Math.max(1, bytes.length - 1)));
  const actions: Record<Mutation, () => void> = {
    flip: () => {
      const out = Buffer.from(bytes);
      for (let k = rng.int(1, 4); k > 0; k--) {
        const i = rng.int(0, out.length - 1);
        out[i] = (out[i] ?? 0) ^ (1 << rng.int(0, 7));
      }
      sock.write(out);
    },
    truncate: () => sock.write(cut),
    'truncate-close': () => sock.end(cut),
    garbage: () => sock.write(Buffer.concat([Buffer.from([rng.int(0, 15)]), rng.bytes(rng.int(1, 32))])),
    close: () => sock.end(),
    reset: () => sock.resetAndDestroy(),
    stall: () => undefined,
    'wrong-type': () => sock.write(retyped(rng, bytes)),
    'wrong-id': () => sock.write(misnamed(rng, p, bytes, s.version)),
    'extra-before': () => sock.write(Buffer.concat([unsolicited(rng, s.version), bytes])),
    split: () => dribble(sock, bytes),
    duplicate: () => sock.write(Buffer.concat([bytes, bytes])),
    'huge-length': () => sock.write(Buffer.from([bytes[0] ?? 0x20, 0xff, 0xff, 0xff, 0x7f, 0, 0])),
    disconnect: () =>
      sock.write(
        generate(
          { cmd: 'disconnect', ...(s.version === 5 ? { reasonCode: rng.pick([0x80, 0x89, 0x8b, 0x9c]) } : {}) },
          { protocolVersion: s.version },
        ),
      ),
    refuse: () => sock.write(generate(refused(rng, p, s.version), { protocolVersion: s.version })),
  };
  actions[s.mutation]();
}

/** What is wrong with a probe's result, or undefined. */
export function resultProblem(s: MqttScenario, r: CheckResult): string | undefined {
  if (r.status === 'ok')
    return mustFail(s) ? `passed although the ${s.victim} was '${s.mutation}': ${r.message}` : undefined;
  if (r.status !== 'failed') return `status '${r.status}': ${r.message}`;
  if (r.class === undefined || !(FAILURE_CLASSES as readonly string[]).includes(r.class))
    return `failure without a known class (${String(r.class)}): ${r.message}`;
  if (r.class === 'internal') return `an internal error: ${r.message}`;
  return undefined;
}

/** Resolves with P's value, or with 'never' once MS have passed. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'never'> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<'never'>((resolve) => (timer = setTimeout(() => resolve('never'), ms)));
  return Promise.race([p, never]).finally(() => clearTimeout(timer));
}

class MqttSession implements FuzzSession {
  constructor(
    readonly broker: FakeBroker,
    readonly port: number,
    readonly baseline: number,
  ) {}

  async run(rng: Rng): Promise<CaseReport> {
    const s = scenario(rng);
    const text = ruleText(s, this.port);
    const input = [
      { name: 'scenario.json', data: `${JSON.stringify(s, null, 2)}\n` },
      { name: 'rule.rc', data: text },
    ];
    this.broker.begin(s);
    const { config } = await parseRules(text, 'fuzz.rc');
    await loadChecks(config);
    const service = config.services[0];
    const rule = service?.rules.find((r) => !r.implicit);
    const check = service && rule ? createCheck(service, rule) : undefined;
    if (!service || !rule || !check) throw new Error(`no port check in ${text}`);
    const started = Date.now();
    const ctx = { service, rule, signal: new AbortController().signal, now: started, memo: new Map<string, unknown>() };
    let result: CheckResult | undefined | 'never';
    try {
      result = await within(check.run(ctx), 30_000);
    } catch (e) {
      return { verdict: 'rejected', finding: `the check threw: ${e instanceof Error ? e.stack : String(e)}`, input };
    } finally {
      check.close?.();
    }
    const took = Date.now() - started;
    const budget = s.timeoutMs * (s.retry + 1) + 5_000;
    const problem =
      result === 'never' || result === undefined
        ? `no result after ${took} ms`
        : took > budget
          ? `took ${took} ms, over its timeout of ${s.timeoutMs} ms`
          : resultProblem(s, result);
    const closed = await eventually(() => this.broker.live() === 0, 3_000);
    const finding = problem ?? (closed ? undefined : `${this.broker.live()} connections left open by the probe`);
    const ok = typeof result === 'object' && result.status === 'ok';
    return { verdict: ok ? 'accepted' : 'rejected', ...(finding ? { finding } : {}), input };
  }

  async checkpoint(): Promise<string | undefined> {
    const left = await fdsBackTo(this.baseline);
    return left === undefined ? undefined : `descriptors leaked: ${left} open, ${this.baseline} before`;
  }

  async close(): Promise<void> {
    await this.broker.close();
  }
}

export const mqttTarget: FuzzTarget = {
  name: 'mqtt',
  batch: 25,
  async open() {
    const broker = new FakeBroker();
    const port = await broker.listen();
    return new MqttSession(broker, port, openFds());
  },
};
