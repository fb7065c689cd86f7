// What `brokerwatch probe URL` does: reads the URL and the options (any mistake is UNKNOWN, exit 3),
// finds the credentials (a file or the environment, never the command line), runs the MQTT probe of
// the daemon's checks once and reports it on one line (probe-output.ts).
import { readFile } from '../util/fs-async.js';
import type { ProbeFlags } from './probe.js';
import { report, reportResult } from './probe-output.js';
import type { ProbeReport } from './probe-output.js';

/** A mistake in the arguments: reported as UNKNOWN with this message. */
class UsageError extends Error {}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

/** Where the URL points. */
export interface ProbeUrl {
  readonly scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  /** ws:// and wss:// only. */
  readonly path?: string;
  readonly username?: string;
  /** The URL again, without credentials, for messages. */
  readonly where: string;
}

/** Runs the probe the command line asks for; ENV holds BROKERWATCH_PROBE_USERNAME/_PASSWORD. */
export async function runProbe(url: string, flags: ProbeFlags, env = process.env): Promise<ProbeReport> {
  let target;
  let asked;
  try {
    const u = parseProbeUrl(url);
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const warningMs = flags.warning !== undefined ? parseDuration(flags.warning, '--warning') : undefined;
    const qos = parseQos(flags);
    const tls = tlsOf(u, flags);
    const creds = await credentials(u, flags.credentials, env);
    target = {
      host: u.host,
      port: u.port,
      timeoutMs,
      ...(tls ? { tls } : {}),
      ...(u.path !== undefined ? { websocketPath: u.path } : {}),
      ...creds,
      ...(qos !== undefined ? { roundTripQos: qos } : {}),
    };
    asked = { where: u.where, roundTrip: qos !== undefined, ...(warningMs !== undefined ? { warningMs } : {}) };
  } catch (e) {
    if (e instanceof UsageError) return report('UNKNOWN', e.message);
    throw e;
  }
  const { probeOnce } = await import('../checks/mqtt/one-shot.js');
  return reportResult(await probeOnce(target), asked);
}

/** Reads `mqtt://[user@]host[:port]`, `mqtts://…`, `ws://host[:port][/path]`, `wss://…`. */
export function parseProbeUrl(text: string): ProbeUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`bad URL '${text}': expected mqtt://HOST[:PORT], mqtts://, ws://HOST[:PORT]/PATH or wss://`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!(scheme === 'mqtt' || scheme === 'mqtts' || scheme === 'ws' || scheme === 'wss'))
    throw new UsageError(`bad URL '${text}': the scheme must be mqtt, mqtts, ws or wss, not ${scheme}`);
  if (u.password !== '')
    throw new UsageError(
      'a password in the URL is refused: every local user can read a command line (ps, /proc), and shells keep it in their history; use --credentials FILE or BROKERWATCH_PROBE_PASSWORD',
    );
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UsageError(`bad URL '${text}': no host`);
  const port = u.port === '' ? (DEFAULT_PORTS[scheme] ?? 0) : Number(u.port);
  const ws = scheme === 'ws' || scheme === 'wss';
  const path = ws ? `${u.pathname || '/'}${u.search}` : undefined;
  if (!ws && u.pathname !== '' && u.pathname !== '/')
    throw new UsageError(`bad URL '${text}': a path (${u.pathname}) means nothing to ${scheme}://; ws:// has paths`);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    scheme,
    host,
    port,
    ...(path !== undefined ? { path } : {}),
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    where: `${scheme}://${shownHost}:${port}${path ?? ''}`,
  };
}

/** `10s`, `500ms`, `1.5s`, `2m`; a bare number is seconds, as monitoring plugins' -t is. */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 3_600_000)
    throw new UsageError(`${what}: expected a duration such as 10s, 500ms or 1m, not '${text}'`);
  return ms;
}

function parseQos(flags: ProbeFlags): 0 | 1 | 2 | undefined {
  if (flags.qos !== undefined && !flags.roundtrip) throw new UsageError('--qos applies to --roundtrip');
  if (!flags.roundtrip) return undefined;
  if (flags.qos === undefined) return 1;
  if (!/^[012]$/.test(flags.qos)) throw new UsageError(`--qos: expected 0, 1 or 2, not '${flags.qos}'`);
  return Number(flags.qos) as 0 | 1 | 2;
}

function tlsOf(u: ProbeUrl, flags: ProbeFlags): { verify: boolean; caFile?: string } | undefined {
  const secure = u.scheme === 'mqtts' || u.scheme === 'wss';
  if (!secure) {
    if (flags.cafile !== undefined || flags.insecure)
      throw new UsageError('--cafile and --insecure need mqtts:// or wss://');
    return undefined;
  }
  return { verify: flags.insecure !== true, ...(flags.cafile !== undefined ? { caFile: flags.cafile } : {}) };
}

/** The user name and password: the file's, else the environment's, the user name else the URL's. */
async function credentials(
  u: ProbeUrl,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ username?: string; password?: string }> {
  const fromFile = file !== undefined ? await readCredentials(file) : {};
  const username = fromFile.username ?? nonEmpty(env.BROKERWATCH_PROBE_USERNAME) ?? u.username;
  const password = fromFile.password ?? nonEmpty(env.BROKERWATCH_PROBE_PASSWORD);
  if (password !== undefined && username === undefined)
    throw new UsageError(
      'a password without a user name: give the user in the URL, the file or BROKERWATCH_PROBE_USERNAME',
    );
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** `username NAME` and `password SECRET` lines (or `key=value`, `key: value`), or one `NAME:SECRET` line. */
export async function readCredentials(file: string): Promise<{ username?: string; password?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--credentials: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const out: { username?: string; password?: string } = {};
  for (const line of lines) {
    const kv = /^\s*(username|password)\s*[=:\s]\s*(.*?)\s*$/i.exec(line);
    if (kv?.[1] !== undefined && kv[2] !== undefined && kv[2] !== '') {
      if (kv[1].toLowerCase() === 'password') out.password = kv[2];
      else out.username = kv[2];
    } else if (lines.length === 1 && line.includes(':')) {
      const at = line.indexOf(':');
      out.username = line.slice(0, at).trim();
      out.password = line.slice(at + 1).replace(/\s+$/, '');
    } else {
      throw new UsageError(
        `--credentials: ${file}: expected 'username NAME' and 'password SECRET' lines, or 'NAME:SECRET'`,
      );
    }
  }
  return out;
}
