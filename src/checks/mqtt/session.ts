// One MQTT connection of a probe: TCP (or TLS), CONNECT → CONNACK, then packets routed to whoever
// waits for them, on mqtt.js's own codec (mqtt-packet). No reconnects, no queues, no hidden timers:
// the caller owns every deadline and ends the session with fail() or disconnect(), so a failure is
// always attributed to the step that was running, and the socket is always destroyed.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { generate, parser as createParser, writeToStream } from 'mqtt-packet';
import type { IConnackPacket, IPublishPacket, Packet, Parser } from 'mqtt-packet';
import { asFailure, garbageFailure, ProbeFailure, socketFailure } from './classify.js';
import type { Phase } from './classify.js';
import { openSocket } from './endpoint.js';
import type { Endpoint, TlsMaterial } from './endpoint.js';
import { describeConnack, describeReason } from './reasons.js';
import type { MqttVersion } from './reasons.js';
import { loadWebSocket, openWebSocket } from './websocket.js';
import { monotonicMs } from '../../util/clock.js';

// mqtt-packet otherwise fills a cache of 65,536 two-byte buffers on its first write (+11 MB RSS)
// to speed up packet ids; a probe writes a few packets a second. (Process-wide: mqtt.js too.)
writeToStream.cacheNumbers = false;

const CONNACK_BYTE = 0x20;
const DISCONNECT = Buffer.from([0xe0, 0x00]);
/** Why a session ended by disconnect(): one shared value, as a probe ends this way every cycle and
 *  an Error costs its stack trace. */
const CLOSED = new ProbeFailure('internal', 'session closed');

/** A TCP or TLS socket, or a WebSocket's byte stream (which has no Nagle to turn off). */
type ProbeSocket = Duplex & Partial<Pick<Socket, 'setNoDelay'>>;

interface Waiter {
  resolve(p: Packet): void;
  reject(f: ProbeFailure): void;
}

/** How a session connects; `material` holds TLS files already read (see readTlsMaterial). */
export interface ConnectOptions {
  readonly keepaliveS: number;
  readonly material?: TlsMaterial;
}

/** A single MQTT connection with a clean session; see the file comment. */
export class MqttSession {
  readonly version: MqttVersion;
  /** Where the connection is: decides how an error or a close is classified. */
  phase: Phase = 'tcp';
  /** Milliseconds from connect() to the CONNACK, once accepted. */
  connectMs: number | undefined;
  /** Incoming PUBLISH packets (already acknowledged per their QoS). */
  onPublish: ((p: IPublishPacket) => void) | undefined;
  /** A PINGRESP nobody waits for (the watch's pings, which must not allocate a promise each). */
  onPingresp: (() => void) | undefined;
  /** The session ended by a failure (not by disconnect()). */
  onEnd: ((f: ProbeFailure) => void) | undefined;
  #socket: ProbeSocket | undefined;
  #parser: Parser;
  #waiters = new Map<string, Waiter>();
  #ended: ProbeFailure | undefined;
  #lastId = 0;
  #sawBytes = false;

  constructor(
    readonly endpoint: Endpoint,
    readonly clientId: string,
  ) {
    this.version = endpoint.version;
    this.#parser = createParser({ protocolVersion: this.version });
    this.#parser.on('packet', (p: Packet) => this.#onPacket(p));
    this.#parser.on('error', (e: Error) =>
      this.fail(new ProbeFailure('protocol-error', `malformed packet from the broker: ${e.message}`)),
    );
  }

  /** Why the session ended, or undefined while it is usable. */
  get ended(): ProbeFailure | undefined {
    return this.#ended;
  }

  /** Opens the socket and completes CONNECT → CONNACK; rejects with a classified ProbeFailure. */
  async connect(opts: ConnectOptions): Promise<IConnackPacket> {
    // Ended while the caller was still reading TLS files: a socket opened now would have no owner.
    if (this.#ended) throw this.#ended;
    if (this.endpoint.websocket) await loadWebSocket();
    // Ended while the WebSocket module loaded: a socket opened now would have no owner either.
    if (this.#ended) throw this.#ended;
    const t0 = monotonicMs();
    const ep = this.endpoint;
    let sock: ProbeSocket;
    try {
      sock = ep.websocket ? openWebSocket(ep, opts.material) : openSocket(ep, opts.material);
    } catch (e) {
      const f = asFailure(e);
      this.fail(f);
      throw f;
    }
    this.#socket = sock;
    sock.setNoDelay?.(true);
    // Over WebSockets the TLS handshake is the transport's own: 'connect' comes after it.
    const tls = ep.tls !== undefined && ep.websocket === undefined;
    const sendConnect = (): void => {
      this.phase = 'mqtt';
      this.send({
        cmd: 'connect',
        protocolId: this.version === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion: this.version,
        clientId: this.clientId,
        // Clean session (3.1/3.1.1) / clean start with no session expiry (5): nothing survives us.
        clean: true,
        keepalive: opts.keepaliveS,
        ...(ep.username !== undefined ? { username: ep.username } : {}),
        ...(ep.password !== undefined ? { password: Buffer.from(ep.password) } : {}),
      });
    };
    sock.once('connect', () => {
      this.phase = tls ? 'tls' : 'mqtt';
      if (!tls) sendConnect();
    });
    if (tls) sock.once('secureConnect', sendConnect);
    sock.on('data', (d: Buffer) => this.#onData(d));
    sock.on('error', (e: NodeJS.ErrnoException) => this.fail(socketFailure(e, this.phase)));
    // Every session's socket closes; only a close that ends it is a failure worth an Error.
    sock.on('close', () => {
      if (!this.#ended) this.fail(this.#closedFailure());
    });
    const ack = (await this.expect('connack')) as IConnackPacket;
    const code = (this.version === 5 ? ack.reasonCode : ack.returnCode) ?? 0;
    if (code !== 0) {
      const why = ack.properties?.reasonString ? `: ${ack.properties.reasonString}` : '';
      const f = new ProbeFailure('connack-refused', `CONNACK refused: ${describeConnack(code, this.version)}${why}`);
      this.fail(f);
      throw f;
    }
    this.phase = 'open';
    this.connectMs = Math.round(monotonicMs() - t0);
    return ack;
  }

  /** Sends one packet; a packet mqtt-packet cannot encode ends the session (a bug, or bad config). */
  send(packet: Packet): void {
    if (this.#ended || !this.#socket) return;
    let bytes: Buffer;
    try {
      bytes = generate(packet, { protocolVersion: this.version });
    } catch (e) {
      this.fail(new ProbeFailure('internal', `cannot encode ${packet.cmd.toUpperCase()}: ${(e as Error).message}`));
      return;
    }
    this.#socket.write(bytes);
  }

  /** Writes bytes encoded once in advance (the watch's PINGREQ and PUBLISH): no per-send encoding. */
  sendRaw(bytes: Buffer): void {
    if (!this.#ended) this.#socket?.write(bytes);
  }

  /** The next packet id, 1…65535. */
  nextId(): number {
    this.#lastId = (this.#lastId % 65535) + 1;
    return this.#lastId;
  }

  /** Resolves with the packet of KEY (`connack`, `pingresp`, `suback:7`, …); rejects when the session ends. */
  expect(key: string): Promise<Packet> {
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#waiters.set(key, { resolve, reject }));
  }

  /** Ends the session with a failure: the socket is destroyed and every waiter rejected with F. */
  fail(f: ProbeFailure): void {
    if (this.#ended) return;
    this.#ended = f;
    this.#socket?.destroy();
    for (const w of this.#waiters.values()) w.reject(f);
    this.#waiters.clear();
    this.onEnd?.(f);
  }

  /** A clean end: DISCONNECT when connected, then the socket is closed (and destroyed at the latest
   *  after a second, so a hung broker that never reads cannot keep it). */
  disconnect(): void {
    if (this.#ended) return;
    this.#ended = CLOSED;
    for (const w of this.#waiters.values()) w.reject(this.#ended);
    this.#waiters.clear();
    const sock = this.#socket;
    if (!sock) return;
    if (this.phase !== 'open' || sock.destroyed) {
      sock.destroy();
      return;
    }
    const timer = setTimeout(() => sock.destroy(), 1_000).unref();
    sock.end(DISCONNECT, () => {
      clearTimeout(timer);
      sock.destroy();
    });
  }

  #onData(d: Buffer): void {
    if (this.#ended) return;
    if (!this.#sawBytes) {
      this.#sawBytes = true;
      // The first packet from a broker is always a CONNACK; anything else is not an MQTT broker,
      // and waiting for the parser would turn it into a misleading timeout.
      if (d[0] !== CONNACK_BYTE) return this.fail(garbageFailure(d, 'instead of a CONNACK'));
    }
    this.#parser.parse(d);
  }

  #onPacket(p: Packet): void {
    if (this.#ended) return;
    switch (p.cmd) {
      case 'publish':
        // Acknowledge per QoS (MQTT §4.3) so the broker's flow completes cleanly.
        if (p.qos === 1) this.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
        else if (p.qos === 2) this.send({ cmd: 'pubrec', messageId: p.messageId ?? 0 });
        this.#settle(`publish:${p.topic}`, p);
        this.onPublish?.(p);
        return;
      case 'pubrel':
        this.send({ cmd: 'pubcomp', messageId: p.messageId ?? 0 });
        return;
      case 'pingresp':
        if (!this.#settle('pingresp', p)) this.onPingresp?.();
        return;
      case 'disconnect':
        return this.fail(
          new ProbeFailure(
            'protocol-error',
            `the broker sent DISCONNECT: ${describeReason(p.reasonCode ?? 0)}${p.properties?.reasonString ? `: ${p.properties.reasonString}` : ''}`,
          ),
        );
      default: {
        const key = p.messageId === undefined ? p.cmd : `${p.cmd}:${p.messageId}`;
        if (!this.#settle(key, p))
          this.fail(
            new ProbeFailure(
              'protocol-error',
              `unexpected ${p.cmd.toUpperCase()}${p.messageId === undefined ? '' : ` (packet id ${p.messageId})`} from the broker`,
            ),
          );
      }
    }
  }

  /** Resolves the waiter of KEY with P; false when nobody waits for it. */
  #settle(key: string, p: Packet): boolean {
    const w = this.#waiters.get(key);
    if (!w) return false;
    this.#waiters.delete(key);
    w.resolve(p);
    return true;
  }

  #closedFailure(): ProbeFailure {
    switch (this.phase) {
      case 'tls':
        return new ProbeFailure(
          'tls',
          'connection closed during the TLS handshake (not a TLS port, or a client certificate required?)',
        );
      case 'mqtt':
        return new ProbeFailure('protocol-error', 'the broker closed the connection without a CONNACK');
      default:
        return new ProbeFailure('port-closed', 'connection closed by the broker');
    }
  }
}
