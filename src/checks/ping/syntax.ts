// `if failed ping|ping4|ping6 [count N] [size N] [timeout N seconds] [address A] then …`: monit's
// ICMP echo test of a host (src/p.y PING, src/net/icmp.c): up to COUNT echo requests of SIZE bytes,
// each waited for TIMEOUT; the first reply ends the test with its round-trip time. `ping4`/`ping6`
// name the address family; `address` is the local address the requests leave from.
import { isIP } from 'node:net';
import type { Cursor } from '../../config/cursor.js';
import { parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface PingCondition {
  readonly kind: 'ping';
  readonly ipVersion?: 4 | 6;
  /** Echo requests sent at most, one after the other. */
  readonly count: number;
  /** Bytes of payload in each request. */
  readonly size: number;
  /** How long each request waits for its reply. */
  readonly timeoutMs: number;
  /** The local address the requests leave from. */
  readonly address?: string;
}

/** monit's defaults: 3 requests of 64 bytes, 5 seconds each. */
export const PING_DEFAULTS = { count: 3, size: 64, timeoutMs: 5000 } as const;

/** The largest payload of an echo request in an IPv4 packet (65535 − 20 − 8). */
const MAX_SIZE = 65_507;

function parsePing(c: Cursor): PingCondition {
  const word = c.next();
  const ipVersion = word.lower === 'ping4' ? 4 : word.lower === 'ping6' ? 6 : undefined;
  let count: number = PING_DEFAULTS.count;
  let size: number = PING_DEFAULTS.size;
  let timeoutMs: number = PING_DEFAULTS.timeoutMs;
  let address: string | undefined;
  for (;;) {
    if (c.acceptWord('count')) count = c.expectInteger('a count of echo requests', 1, 100);
    else if (c.acceptWord('size')) size = c.expectInteger('a payload size in bytes', 0, MAX_SIZE);
    else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
    else if (c.acceptWord('address')) {
      const t = c.expectValue('a local address after address');
      const family = isIP(t.text);
      if (family === 0) c.fail(t, `expected an IP address after address, found "${t.text}"`);
      if (ipVersion !== undefined && family !== ipVersion)
        c.fail(t, `'${word.lower}' sends IPv${ipVersion}: the address ${t.text} is IPv${family}`);
      address = t.text;
    } else break;
  }
  if (timeoutMs < 1) c.fail(word, 'a ping timeout must be at least 1 ms');
  return {
    kind: 'ping',
    ...(ipVersion ? { ipVersion } : {}),
    count,
    size,
    timeoutMs,
    ...(address !== undefined ? { address } : {}),
  };
}

export const pingSyntax: KindSyntax<PingCondition> = {
  kind: 'ping',
  claims: { failed: ['ping', 'ping4', 'ping6'] },
  parse: (c) => parsePing(c),
  print: (p, s) =>
    [
      `failed ping${p.ipVersion ?? ''}`,
      `count ${p.count}`,
      `size ${p.size}`,
      `with timeout ${s.duration(p.timeoutMs)}`,
      ...(p.address !== undefined ? [`address ${s.word(p.address)}`] : []),
    ].join(' '),
  eventType: () => 'icmp',
  startGrace: false,
  misplaced: (_p, type) => (type === 'host' ? undefined : "'ping' tests apply to 'check host' only"),
  docs: {
    syntax:
      '`failed ping [count N] [size N] [with timeout N seconds] [address A]` · `failed ping4 …` · `failed ping6 …`',
    services: 'host',
    meaning:
      "no echo reply to any of N requests (3 by default, each waited for the timeout, 5 s); the first reply's round-trip time is the response time. Runs the system's `ping` (iputils)",
    example: '`if failed ping count 5 with timeout 2 seconds then alert`',
  },
};
