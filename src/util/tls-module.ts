// node:tls (and node:https, which is built on it), loaded at the first TLS connection or HTTPS
// server: most daemons watch brokers on plain ports, and the module with what it pulls in (the TLS
// wrap, secure contexts) is about 0.8 MB of a daemon's memory.
import { createRequire } from 'node:module';
import type * as Https from 'node:https';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);
let tls: typeof Tls | undefined;
let https: typeof Https | undefined;

/** The node:tls module (required once, on first use). */
export function tlsModule(): typeof Tls {
  return (tls ??= load('node:tls') as typeof Tls);
}

/** The node:https module (required once, on first use). */
export function httpsModule(): typeof Https {
  return (https ??= load('node:https') as typeof Https);
}
