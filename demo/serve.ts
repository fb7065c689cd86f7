// The MQTT broker itself: aedes (MQTT 3.1.1, QoS 0/1/2) on a plain TCP listener.
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Aedes } from 'aedes';

/** A listening broker. */
export interface DemoBroker {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on HOST:PORT; rejects if the port cannot be bound (e.g. EADDRINUSE). */
export async function startBroker(opts: { host: string; port: number }): Promise<DemoBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Small MQTT packets must not wait for Nagle's algorithm (40 ms per round trip otherwise).
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : opts.port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // aedes closes only clients past CONNECT; a half-open probe would keep server.close waiting.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
