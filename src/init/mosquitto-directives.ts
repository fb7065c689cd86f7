// The mosquitto.conf directives `brokerwatch init` reads, one handler each, with mosquitto 2.0's
// meaning (man mosquitto.conf, src/conf.c): what a value may be, which listener or security scope it
// belongs to, and which settings made before any `listener` make mosquitto open its default listener.
import { isAbsolute, resolve } from 'node:path';
import type { Line } from './mosquitto-conf.js';
import { includeDirFiles } from './include-dir.js';
import type { ListenerDraft, Security } from './mosquitto-model.js';
import { newListener } from './mosquitto-model.js';

type Handler = (l: Line) => void;

function fail(l: Line, message: string): void {
  l.st.problems.push({ severity: 'error', pos: l.pos, message });
}

function warn(l: Line, message: string): void {
  l.st.problems.push({ severity: 'warning', pos: l.pos, message });
}

/** The rest of the line (mosquitto's string value), or an error naming what was expected. */
function text(l: Line, what: string): string | undefined {
  if (l.rest !== '') return l.rest;
  fail(l, `expected ${what} after '${l.name}'`);
  return undefined;
}

/** A path brokerwatch writes into the rules: absolute, or taken from the current folder with a note. */
function path(l: Line, what: string): string | undefined {
  const v = text(l, what);
  if (v === undefined || isAbsolute(v)) return v;
  const abs = resolve(v);
  warn(l, `'${v}' is a relative path (mosquitto takes it from the folder it runs in); brokerwatch uses ${abs}`);
  return abs;
}

/** Sets a value once: mosquitto refuses a second value for the same setting. */
function once<T extends object, K extends keyof T>(l: Line, target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) return;
  if (target[key] !== undefined) fail(l, `a second '${l.name}' value (mosquitto refuses a duplicate)`);
  else target[key] = value;
}

function bool(l: Line): boolean | undefined {
  const v = l.args[0];
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  fail(l, `expected true or false after '${l.name}'${v === undefined ? '' : `, found '${v}'`}`);
  return undefined;
}

function portNumber(l: Line, min: number): number | undefined {
  const v = l.args[0];
  const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
  if (n >= min && n <= 65535) return n;
  fail(l, `expected a port number (${min}–65535) after '${l.name}'${v === undefined ? '' : `, found '${v}'`}`);
  return undefined;
}

/** The default listener is opened: a listener setting was made before any `listener`. */
function useDefault(l: Line): void {
  l.st.defaultUsed = true;
  l.st.defaultListener.pos ??= l.pos;
}

/** A listener setting; APPLY says whether its value makes mosquitto open the default listener. */
function onListener(apply: (l: Line, d: ListenerDraft) => boolean): Handler {
  return (l) => {
    if (apply(l, l.cur) && l.cur === l.st.defaultListener) useDefault(l);
  };
}

/** The security scope of this line: the current listener's with per_listener_settings, else the global one. */
function scope(l: Line): Security {
  l.st.securitySeen = true;
  return l.st.perListener ? l.cur.security : l.st.global;
}

/** A security setting that, per listener, also opens the default listener when set before any `listener`. */
function onSecurity(apply: (l: Line, s: Security) => boolean): Handler {
  return (l) => {
    if (apply(l, scope(l)) && l.st.perListener && l.cur === l.st.defaultListener) useDefault(l);
  };
}

function listener(l: Line): void {
  const port = portNumber(l, 0) ?? 0;
  let bind = l.args[1];
  if (bind?.startsWith('#')) bind = undefined;
  if (port === 0 && bind === undefined && l.args[0] === '0') fail(l, 'a listener on port 0 needs a unix socket path');
  l.st.localOnly = false;
  const d = newListener(port, l.pos);
  if (bind !== undefined) {
    if (port === 0) d.unixSocket = bind;
    else d.bind = bind;
  }
  l.st.listeners.push(d);
  l.cur = d;
}

function logDest(l: Line): void {
  const DESTS = ['none', 'syslog', 'stdout', 'stderr', 'topic', 'dlt', 'file'];
  const dest = l.args[0];
  if (dest === undefined || !DESTS.includes(dest)) {
    fail(l, `expected ${DESTS.join(', ')} after 'log_dest'${dest === undefined ? '' : `, found '${dest}'`}`);
    return;
  }
  if (dest !== 'file') return;
  const rest = l.rest.slice('file'.length).trim();
  if (rest === '') return fail(l, "expected a file path after 'log_dest file'");
  if (l.st.logFile !== undefined) return fail(l, "a second 'log_dest file' (mosquitto logs to one file only)");
  const file = path({ ...l, rest }, 'a file path');
  if (file !== undefined) l.st.logFile = file;
}

function includeDir(l: Line): void {
  if (l.level > 0) {
    warn(l, 'include_dir is read in the main file only, as mosquitto does; ignored');
    return;
  }
  const dir = text(l, 'a folder');
  if (dir === undefined) return;
  let files: string[];
  try {
    files = includeDirFiles(dir);
  } catch (e) {
    fail(l, `cannot read the include_dir folder ${dir}: ${(e as Error).message}`);
    return;
  }
  for (const f of files) l.include(f);
}

/** A listener setting with a string value (a path when PATH). */
function listenerString(key: 'cafile' | 'capath' | 'certfile' | 'keyfile' | 'pskHint' | 'mountPoint', isPath: boolean) {
  return onListener((l, d) => {
    once(l, d, key, isPath ? path(l, 'a path') : text(l, 'a value'));
    return true;
  });
}

/** Listener settings brokerwatch does not use that open the default listener when not at their default value. */
const DEFAULT_LISTENER_TRIGGERS: ReadonlyArray<[string, (l: Line) => boolean]> = [
  ...[
    'bind_interface',
    'ciphers',
    'ciphers_tls1.3',
    'dhparamfile',
    'crlfile',
    'tls_engine',
    'tls_engine_kpass_sha1',
  ].map((name): [string, (l: Line) => boolean] => [name, (l) => l.rest !== '']),
  ['max_connections', (l) => l.args[0] !== '-1'],
  ['max_qos', (l) => l.args[0] !== '2'],
  ['tls_keyform', (l) => l.args[0] !== 'pem'],
  ...['use_identity_as_username', 'use_subject_as_username', 'use_username_as_clientid'].map(
    (name): [string, (l: Line) => boolean] => [name, (l) => bool(l) === true],
  ),
];

const LISTENER: Record<string, Handler> = {
  listener,
  port(l) {
    l.st.localOnly = false;
    const n = portNumber(l, 1);
    if (n !== undefined) l.st.defaultListener.port = n;
    useDefault(l);
  },
  bind_address(l) {
    l.st.localOnly = false;
    once(l, l.st.defaultListener, 'bind', text(l, 'an address'));
    useDefault(l);
  },
  protocol: onListener((l, d) => {
    const p = l.args[0];
    if (p === 'mqtt' || p === 'websockets') d.protocol = p;
    else fail(l, `expected mqtt or websockets after 'protocol'${p === undefined ? '' : `, found '${p}'`}`);
    return p === 'websockets';
  }),
  cafile: listenerString('cafile', true),
  capath: listenerString('capath', true),
  certfile: listenerString('certfile', true),
  keyfile: listenerString('keyfile', true),
  psk_hint: listenerString('pskHint', false),
  mount_point: listenerString('mountPoint', false),
  require_certificate: onListener((l, d) => {
    d.requireCertificate = bool(l) ?? d.requireCertificate;
    return d.requireCertificate;
  }),
  socket_domain: onListener((l, d) => {
    const v = l.args[0];
    if (v === 'ipv4' || v === 'ipv6') d.socketDomain = v;
    else fail(l, `expected ipv4 or ipv6 after 'socket_domain'${v === undefined ? '' : `, found '${v}'`}`);
    return true;
  }),
  ...Object.fromEntries(DEFAULT_LISTENER_TRIGGERS.map(([name, opens]) => [name, onListener(opens)])),
};

const SECURITY: Record<string, Handler> = {
  per_listener_settings(l) {
    const v = bool(l);
    if (v === undefined) return;
    if (v && l.st.securitySeen)
      fail(l, 'per_listener_settings must come before any other security setting (mosquitto refuses it here)');
    l.st.perListener = v;
  },
  allow_anonymous: onSecurity((l, s) => {
    const v = bool(l);
    if (v !== undefined) s.allowAnonymous = v;
    return false;
  }),
  password_file: onSecurity((l, s) => {
    once(l, s, 'passwordFile', text(l, 'a file path'));
    return true;
  }),
  psk_file: onSecurity((l, s) => {
    once(l, s, 'pskFile', text(l, 'a file path'));
    return true;
  }),
  acl_file: onSecurity((l, s) => {
    once(l, s, 'aclFile', text(l, 'a file path'));
    return false;
  }),
  plugin: onSecurity((l, s) => {
    if (text(l, 'a plugin path') !== undefined) s.plugins++;
    return true;
  }),
  allow_zero_length_clientid: onSecurity((l) => bool(l) === false),
  auto_id_prefix: onSecurity(() => false),
};

const GLOBAL: Record<string, Handler> = {
  pid_file: (l) => once(l, l.st, 'pidFile', path(l, 'a file path')),
  persistence(l) {
    l.st.persistence = bool(l) ?? l.st.persistence;
  },
  persistence_location: (l) => once(l, l.st, 'persistenceLocation', path(l, 'a folder')),
  user: (l) => once(l, l.st, 'user', text(l, 'a user name')),
  log_dest: logDest,
  include_dir: includeDir,
};

/** Every directive read, by name; any other is skipped silently. */
export const DIRECTIVES: ReadonlyMap<string, Handler> = new Map(
  Object.entries({
    ...LISTENER,
    ...SECURITY,
    auth_plugin: SECURITY.plugin as Handler,
    ...GLOBAL,
    retained_persistence: GLOBAL.persistence as Handler,
  }),
);
