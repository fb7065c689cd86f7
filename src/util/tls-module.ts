// node:tls, loaded at the first TLS connection: most daemons watch brokers on plain ports, and the
// module with what it pulls in (the TLS wrap, secure contexts) is about 0.8 MB of a daemon's memory.
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);
let tls: typeof Tls | undefined;

/** The node:tls module (required once, on first use). */
export function tlsModule(): typeof Tls {
  return (tls ??= load('node:tls') as typeof Tls);
}
