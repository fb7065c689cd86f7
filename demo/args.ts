// Command line of the demo broker, shaped like a real init-script broker's: a port, a pidfile,
// daemonizing by default, and a --stop that an init script's "stop" would run.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Where and how a broker serves. Paths are absolute, so the daemon (cwd /) and --stop name the
 *  same files as the caller. */
export interface ServeArgs {
  readonly host: string;
  readonly port: number;
  readonly pidfile: string | undefined;
  readonly log: string | undefined;
}

/** What the demo broker was asked to do; a daemon and --stop always have a pidfile. */
export type BrokerArgs =
  | (ServeArgs & { readonly mode: 'foreground' })
  | (ServeArgs & { readonly mode: 'daemon'; readonly pidfile: string })
  | { readonly mode: 'stop'; readonly pidfile: string };

/** One line of help, shown with every usage error. */
export const USAGE =
  'usage: broker.js --port N --pidfile FILE [--host 127.0.0.1] [--foreground] [--log FILE] | --stop --pidfile FILE';

/** Parses argv (without node and the script); throws an Error naming the problem. */
export function parseBrokerArgs(argv: readonly string[]): BrokerArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '1883' },
      host: { type: 'string', default: '127.0.0.1' },
      pidfile: { type: 'string' },
      log: { type: 'string' },
      foreground: { type: 'boolean', default: false },
      stop: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`--port must be 1-65535, not '${values.port}'`);
  if (values.stop && values.foreground) throw new Error('--stop and --foreground exclude each other');
  const pidfile = values.pidfile === undefined ? undefined : resolve(values.pidfile);
  const log = values.log === undefined ? undefined : resolve(values.log);
  if (values.foreground) return { mode: 'foreground', host: values.host, port, pidfile, log };
  // A daemon is found again only through its pidfile; a foreground one has its parent for that.
  if (pidfile === undefined) throw new Error(`--pidfile is required with ${values.stop ? '--stop' : 'a daemon'}`);
  if (values.stop) return { mode: 'stop', pidfile };
  return { mode: 'daemon', host: values.host, port, pidfile, log };
}
