// What `brokerwatch init` learns from the machine besides mosquitto.conf: how mosquitto is started
// here (its systemd unit, its init script, or nothing), and the names a listener's certificate is
// valid for, so that a TLS probe of 127.0.0.1 checks the certificate against the right name.
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** The broker binary of Debian's package, as its unit and init script run it. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** How the rules start and stop mosquitto. */
export interface InitSystem {
  readonly kind: 'systemd' | 'sysv' | 'direct';
  readonly start: string;
  readonly stop?: string;
  /** Why this one, for comments above the programs (one line each). */
  readonly why: readonly string[];
}

/** The path a command line names with `-c FILE` or `--config-file FILE`. */
function configOf(commandLines: string): string | undefined {
  return /(?:^|\s)(?:-c|--config-file)\s+(\S+)/.exec(commandLines)?.[1];
}

/** Two paths name the same file (through symbolic links too). */
function sameFile(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A command word split on blanks by the rules' lexer stays one argument in single quotes. */
function arg(s: string): string {
  return /\s/.test(s) ? `'${s}'` : s;
}

/** The ExecStart lines of a unit file. */
function execStart(unit: string): string {
  return unit
    .split('\n')
    .filter((l) => /^\s*ExecStart\s*=/.test(l))
    .join('\n');
}

/**
 * systemd's mosquitto.service (in /etc/systemd/system or /lib/systemd/system), else the init script
 * /etc/init.d/mosquitto, when it runs CONF; else mosquitto started directly with `-d -c CONF` (a
 * service that runs another configuration would start the wrong broker). ROOT is for tests.
 */
export function findInitSystem(conf: string, root = '/'): InitSystem {
  const confPath = resolve(conf);
  const direct = (why: string): InitSystem => ({
    kind: 'direct',
    start: `${MOSQUITTO_BIN} -d -c ${arg(confPath)}`,
    why: [
      `${why}:`,
      'brokerwatch starts mosquitto itself, and stops it with SIGTERM (mosquitto saves its database on TERM)',
    ],
  });
  for (const dir of ['etc/systemd/system', 'lib/systemd/system']) {
    const unitFile = join(root, dir, 'mosquitto.service');
    const unit = readText(unitFile);
    if (unit === undefined) continue;
    const runs = configOf(execStart(unit));
    if (runs === undefined || !sameFile(runs, confPath))
      return direct(`${unitFile} runs ${runs ?? 'mosquitto without a configuration file'}, not ${confPath}`);
    return {
      kind: 'systemd',
      start: '/usr/bin/systemctl start mosquitto',
      stop: '/usr/bin/systemctl stop mosquitto',
      why: [`systemd runs mosquitto (${unitFile})`],
    };
  }
  const script = join(root, 'etc/init.d/mosquitto');
  const text = readText(script);
  if (text !== undefined && isExecutable(script)) {
    const runs = configOf(text);
    if (runs === undefined || !sameFile(runs, confPath))
      return direct(`${script} runs ${runs ?? 'mosquitto without a configuration file'}, not ${confPath}`);
    return {
      kind: 'sysv',
      start: `${script} start`,
      stop: `${script} stop`,
      why: [`the init script ${script} runs mosquitto`],
    };
  }
  return direct('no mosquitto.service and no /etc/init.d/mosquitto here');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What a listener's certificate says about the address a probe connects to. */
export type CertificateNames =
  | { readonly kind: 'covers'; readonly selfSigned: boolean }
  /** The certificate does not name the address: verify it against NAME (SNI and the check). */
  | { readonly kind: 'servername'; readonly name: string; readonly selfSigned: boolean }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Whether the certificate in CERTFILE is valid for ADDRESS, and which of its names to use if not. */
export function certificateNames(certfile: string, address: string): CertificateNames {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(certfile));
  } catch (e) {
    return { kind: 'unreadable', reason: (e as Error).message };
  }
  const covered = isIP(address) ? cert.checkIP(address) !== undefined : cert.checkHost(address) !== undefined;
  // Signed by its own key: no CA vouches for it, so a probe can only trust it as its own CA.
  const selfSigned = cert.issuer === cert.subject && cert.verify(cert.publicKey);
  if (covered) return { kind: 'covers', selfSigned };
  const dns = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((n) => n.startsWith('DNS:') && !n.includes('*'))
    .map((n) => n.slice(4));
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  const name = dns[0] ?? cn;
  return name === undefined
    ? { kind: 'unreadable', reason: 'the certificate names no host' }
    : { kind: 'servername', name, selfSigned };
}
