// Node modules that only some rules need, required at their first use: most daemons watch brokers on
// plain ports with numeric addresses. node:tls (and node:https, built on it) is about 0.8 MB of a
// daemon's memory with what it pulls in (the TLS wrap, secure contexts). node:dns/promises is needed
// only by an `allow` entry naming a host (a TCP status port loads node:dns itself: net looks its
// address up; a unix socket alone does not).
import { createRequire } from 'node:module';
import type * as DnsPromises from 'node:dns/promises';
import type * as Https from 'node:https';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);
let tls: typeof Tls | undefined;
let https: typeof Https | undefined;
let dns: typeof DnsPromises | undefined;

/** The node:tls module (required once, on first use). */
export function tlsModule(): typeof Tls {
  return (tls ??= load('node:tls') as typeof Tls);
}

/** The node:https module (required once, on first use). */
export function httpsModule(): typeof Https {
  return (https ??= load('node:https') as typeof Https);
}

/** The node:dns/promises module (required once, on first use). */
export function dnsPromises(): typeof DnsPromises {
  return (dns ??= load('node:dns/promises') as typeof DnsPromises);
}
