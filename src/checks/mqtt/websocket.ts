// MQTT over WebSockets (`ws://`, `wss://`; MQTT 3.1.1 §6, subprotocol "mqtt"), for brokers such as
// mosquitto with a `protocol websockets` listener. The socket is a stream over the WebSocket's binary
// messages, so the session speaks MQTT on it as on TCP; it emits 'connect' once the HTTP upgrade is
// done, as a TCP socket does once connected. The `ws` package loads only when a probe uses it.
import type { Duplex } from 'node:stream';
import type * as WsModule from 'ws';
import { ProbeFailure } from './classify.js';
import type { Endpoint, TlsMaterial } from './endpoint.js';

let loaded: typeof WsModule | undefined;

/** Loads the `ws` package, once; before a connection's clock starts, so that its timings are the network's. */
export async function loadWebSocket(): Promise<void> {
  loaded ??= await import('ws');
}

/** Opens a WebSocket to EP (which has `websocket`) and returns its byte stream; loadWebSocket() first. */
export function openWebSocket(ep: Endpoint, material: TlsMaterial | undefined): Duplex {
  if (!loaded) throw new ProbeFailure('internal', 'the WebSocket module is not loaded');
  const { WebSocket, createWebSocketStream } = loaded;
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  const url = `${ep.tls ? 'wss' : 'ws'}://${host}:${ep.port}${ep.websocket?.path ?? '/'}`;
  let ws: InstanceType<typeof WebSocket>;
  try {
    ws = new WebSocket(url, 'mqtt', {
      perMessageDeflate: false,
      ...(ep.family ? { family: ep.family } : {}),
      ...(ep.tls
        ? {
            rejectUnauthorized: ep.tls.verify,
            ...material,
            ...(ep.tls.serverName ? { servername: ep.tls.serverName } : {}),
          }
        : {}),
    });
  } catch (e) {
    throw new ProbeFailure('protocol-error', `cannot open ${url}: ${(e as Error).message}`);
  }
  const stream = createWebSocketStream(ws);
  ws.once('open', () => stream.emit('connect'));
  ws.once('unexpected-response', (req, res) => {
    const status = `HTTP ${res.statusCode ?? '?'}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
    // Said first: tearing the stream down makes `ws` report the abort ("closed before the connection
    // was established"), which the session, already ended by this, ignores.
    stream.emit(
      'error',
      new ProbeFailure(
        'protocol-error',
        `the WebSocket upgrade to ${url} was answered with ${status} (not a websockets listener, or another path?)`,
      ),
    );
    req.destroy();
    stream.destroy();
  });
  return stream;
}
