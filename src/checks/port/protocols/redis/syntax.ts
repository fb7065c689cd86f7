// `protocol redis`: PING answered by +PONG (a server that wants a password answers -NOAUTH, which
// proves it serves too), as monit's redis test (src/protocols/redis.c).
import type { ProtocolSyntax } from '../types.js';

export const redisProtocol: ProtocolSyntax = {
  name: 'redis',
  names: { redis: { tls: false } },
  docs: {
    names: '`redis`',
    options: '–',
    meaning: '`PING` answered by `+PONG` (or `-NOAUTH`: the server asks for a password, so it serves)',
    example: '`if failed port 6379 protocol redis then restart`',
  },
};
