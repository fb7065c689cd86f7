// What `brokerwatch fleet` does: reads the options (a mistake exits 3), connects to the fleet broker
// with mqtt.js (src/fleet/reader.ts, loaded when the command runs), subscribes to PREFIX/#, and prints once the
// retained messages are all in (its marker came back, else they stopped coming for a moment, or at the
// timeout); `--watch` stays and prints again on every change. A broker it cannot reach exits 2 (without
// --watch).
import { readFile } from '../util/fs-async.js';
import type { FleetFlags } from './fleet.js';
import { FLEET_EXIT } from './fleet.js';
import { FleetView, renderTable } from './fleet-view.js';
import { parseDuration, readCredentials } from './probe-command.js';
import type { FleetSource } from '../fleet/reader.js';

class UsageError extends Error {}

/** Runs the command; resolves with its exit status (never, with --watch, unless the broker refuses us). */
export async function runFleet(flags: FleetFlags, env = process.env): Promise<number> {
  let args: FleetSource;
  try {
    args = await readArgs(flags, env);
  } catch (e) {
    process.stderr.write(`brokerwatch fleet: ${(e as Error).message}\n`);
    return FLEET_EXIT.USAGE;
  }
  const { openFleet } = await import('../fleet/reader.js');
  const view = new FleetView(args.prefix);
  const reader = openFleet(args, view, flags.watch === true);
  const print = (): void => {
    const r = view.report();
    process.stdout.write(flags.json ? `${JSON.stringify(r, null, flags.watch ? 0 : 2)}\n` : renderTable(r));
  };
  const reached = await reader.collected;
  if (!reached.ok) {
    await reader.close();
    process.stderr.write(`brokerwatch fleet: cannot reach ${args.where}: ${reached.why}\n`);
    return FLEET_EXIT.UNREACHABLE;
  }
  print();
  if (!flags.watch) {
    await reader.close();
    return view.report().ok ? FLEET_EXIT.OK : FLEET_EXIT.FAILING;
  }
  const refusedWhy = await reader.watch(
    () => {
      if (process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
      print();
    },
    (why) => process.stderr.write(`brokerwatch fleet: lost ${args.where} (${why}); reconnecting\n`),
  );
  process.stderr.write(`brokerwatch fleet: ${args.where} refused the connection: ${refusedWhy}\n`);
  return FLEET_EXIT.UNREACHABLE;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

async function readArgs(flags: FleetFlags, env: NodeJS.ProcessEnv): Promise<FleetSource> {
  if (flags.broker === undefined) throw new UsageError('--broker URL is required, e.g. --broker mqtt://127.0.0.1:1883');
  let u: URL;
  try {
    u = new URL(flags.broker);
  } catch {
    throw new UsageError(`bad URL '${flags.broker}': expected mqtt://HOST[:PORT], mqtts://, ws:// or wss://`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!(scheme in DEFAULT_PORTS))
    throw new UsageError(`bad URL '${flags.broker}': the scheme must be mqtt, mqtts, ws or wss`);
  if (u.password !== '')
    throw new UsageError(
      'a password in the URL is refused: every local user can read a command line; use --credentials FILE or BROKERWATCH_FLEET_PASSWORD',
    );
  const prefix = flags.prefix;
  if (prefix === '' || /[#+]/.test(prefix) || prefix.split('/').some((l) => l === ''))
    throw new UsageError(`--prefix '${prefix}': topic levels without wildcards or empty levels`);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const secure = scheme === 'mqtts' || scheme === 'wss';
  if (!secure && (flags.cafile !== undefined || flags.insecure))
    throw new UsageError('--cafile and --insecure need mqtts:// or wss://');
  const fromFile = flags.credentials !== undefined ? await readCredentials(flags.credentials) : {};
  const username =
    fromFile.username ?? nonEmpty(env.BROKERWATCH_FLEET_USERNAME) ?? nonEmpty(decodeURIComponent(u.username));
  const password = fromFile.password ?? nonEmpty(env.BROKERWATCH_FLEET_PASSWORD);
  if (password !== undefined && username === undefined)
    throw new UsageError('a password without a user name: give it in the URL, the file or BROKERWATCH_FLEET_USERNAME');
  const ca = flags.cafile !== undefined ? await readCa(flags.cafile) : undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? (DEFAULT_PORTS[scheme] ?? 1883) : Number(u.port);
  const where = `${scheme}://${u.hostname}:${port}`;
  return {
    where,
    prefix,
    timeoutMs,
    options: {
      protocol: scheme as 'mqtt' | 'mqtts' | 'ws' | 'wss',
      host,
      port,
      ...(scheme === 'ws' || scheme === 'wss' ? { path: u.pathname || '/' } : {}),
      clientId: `brokerwatch-fleet-cli-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      connectTimeout: timeoutMs,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(secure ? { rejectUnauthorized: flags.insecure !== true, ...(ca ? { ca } : {}) } : {}),
    },
  };
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`--cafile: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
