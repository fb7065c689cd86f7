// The port test of one mosquitto listener: MQTT (with a round trip where the probe may connect and
// publish) over TCP or TLS, inside a WebSocket on a websockets listener, or a bare connect where the
// probe cannot speak to the listener (TLS-PSK, a client certificate required, no anonymous access and
// no probe user), and for TLS a certificate-expiry test that alerts rather than restarts.
import { quote } from '../config/printer.js';
import type { CertificateNames } from './host.js';
import type { Listener } from './mosquitto-model.js';

/** The probe's MQTT user, from --probe-user and --probe-password-file. */
export interface ProbeUser {
  readonly username: string;
  readonly password?: string;
}

/** What the port tests need from outside: the probe user, and what a certificate says. */
export interface ListenerContext {
  readonly probe?: ProbeUser;
  readonly certificateNames: (certfile: string, address: string) => CertificateNames;
}

/** A listener's lines in the rules file: comments, then tests. */
export interface ListenerLines {
  readonly comments: string[];
  readonly tests: string[];
}

/** The probe timeout and what a failure does (a broker that stopped serving is restarted). */
const TIMING = 'with timeout 5 seconds';
const FAILED = 'for 2 cycles then restart';

/** A path, host or name as a bare word when the lexer reads it back as one, else quoted. */
export function word(s: string): string {
  // The lexer reads `30s` or `5MB` as a number with its unit: such a word is quoted.
  return /^[A-Za-z0-9_./@:+-]+$/.test(s) && !/^\d+(?:\.\d+)?[a-zA-Z%]*$/.test(s) ? s : quote(s);
}

/** The address the probe connects to: the listener's bind address, else the loopback of its family. */
export function addressOf(l: Listener): string {
  if (l.bind === undefined || l.bind === '0.0.0.0') return l.socketDomain === 'ipv6' ? '::1' : '127.0.0.1';
  return l.bind === '::' ? '::1' : l.bind;
}

function describe(l: Listener): string {
  const where = l.pos ? ` (${l.pos.file}:${l.pos.line})` : '';
  if (l.unixSocket !== undefined) return `# listener on the unix socket ${l.unixSocket}${where}`;
  const head =
    l.origin === 'local-only'
      ? 'no listener configured: mosquitto 2 listens on 127.0.0.1 and ::1, port 1883, for local clients only'
      : `${l.origin === 'default' ? 'the default listener, port' : 'listener'} ${l.port}${
          l.bind !== undefined ? ` on ${l.bind}` : ' on every interface'
        }${where}`;
  const kind = `${l.protocol === 'websockets' ? 'MQTT over WebSockets' : 'MQTT'}${l.certfile !== undefined ? ' with TLS' : ''}`;
  const access = l.anonymous ? 'anonymous clients allowed' : 'no anonymous clients';
  const auth = l.passwordFile !== undefined ? `, password_file ${l.passwordFile}` : '';
  const mount = l.mountPoint !== undefined ? `; mount_point ${l.mountPoint} (the probe's topics are under it)` : '';
  return `# ${head}: ${kind}, ${access}${auth}${mount}`;
}

/** `type tcpssl [cafile F] [servername N]`, with a comment when the certificate cannot be read. */
function tlsWords(l: Listener, address: string, ctx: ListenerContext, comments: string[]): string {
  const words = ['type tcpssl'];
  const names = l.certfile !== undefined ? ctx.certificateNames(l.certfile, address) : undefined;
  if (l.cafile !== undefined) {
    words.push('cafile', word(l.cafile));
  } else if (names !== undefined && names.kind !== 'unreadable' && names.selfSigned) {
    words.push('cafile', word(l.certfile ?? ''));
    comments.push('# a self-signed certificate and no cafile: the probe trusts the certificate itself');
  }
  if (names?.kind === 'servername') {
    words.push('servername', word(names.name));
    comments.push(`# its certificate does not name ${address}: it is checked against ${names.name}`);
  } else if (names?.kind === 'unreadable') {
    comments.push(
      `# certfile ${l.certfile ?? ''} could not be read (${names.reason}):`,
      `# if its certificate does not name ${address}, add servername NAME to its tests`,
    );
  }
  return words.join(' ');
}

const PROBE_HINT = '(`brokerwatch init --probe-user U --probe-password-file F` tests MQTT with a user of yours)';

/** Why MQTT itself cannot be tested on this listener, if it cannot. */
function connectOnlyReason(l: Listener, ctx: ListenerContext): string | undefined {
  if (l.certfile === undefined && l.pskHint !== undefined)
    return 'TLS-PSK listener (psk_hint): the probe has no pre-shared key; tested as a TCP connect';
  if (l.certfile !== undefined && l.requireCertificate)
    return 'require_certificate: the probe has no client certificate; tested as a TCP connect\n(with type tcpssl, certfile and keyfile of a client certificate and protocol mqtt, MQTT is tested)';
  if (ctx.probe !== undefined) return undefined;
  if (l.plugins > 0) return `an authentication plugin decides who may connect: tested as a TCP connect\n${PROBE_HINT}`;
  if (!l.anonymous) return `anonymous clients are refused: tested as a TCP connect\n${PROBE_HINT}`;
  return undefined;
}

/** `protocol mqtt …`: with the probe user, and a round trip unless an ACL may deny it. */
function mqttWords(l: Listener, ctx: ListenerContext, comments: string[]): string {
  // mosquitto serves MQTT over WebSocket at any request path.
  const words = [l.protocol === 'websockets' ? 'protocol mqtt over websocket' : 'protocol mqtt'];
  const p = ctx.probe;
  if (p !== undefined) {
    words.push('username', quote(p.username));
    if (p.password !== undefined) words.push('password', quote(p.password));
    if (l.aclFile !== undefined)
      comments.push(`# acl_file ${l.aclFile}: give ${p.username} \`topic readwrite brokerwatch/probe/#\``);
  } else if (l.aclFile !== undefined) {
    comments.push(
      `# acl_file ${l.aclFile} may deny a round trip: once anonymous clients may use`,
      '# `topic readwrite brokerwatch/probe/#`, add roundtrip qos 1 after protocol mqtt',
    );
    return words.join(' ');
  }
  words.push('roundtrip qos 1');
  return words.join(' ');
}

/** The comments and tests of listener L. */
export function listenerLines(l: Listener, ctx: ListenerContext): ListenerLines {
  const comments = [describe(l)];
  if (l.unixSocket !== undefined) {
    comments.push('# port tests need TCP: not tested');
    return { comments, tests: [] };
  }
  const address = addressOf(l);
  const target = `failed host ${word(address)} port ${l.port}`;
  const reason = connectOnlyReason(l, ctx);
  // With a client certificate required, a TLS handshake without one may fail: the port is tested bare.
  const tlsProbe = l.certfile !== undefined && !l.requireCertificate;
  const tls = tlsProbe ? ` ${tlsWords(l, address, ctx, comments)}` : '';
  const tests: string[] = [];
  if (reason !== undefined) {
    comments.push(...reason.split('\n').map((r) => `# ${r}`));
    tests.push(`if ${target}${tls} ${TIMING} ${FAILED}`);
  } else {
    tests.push(`if ${target}${tls} ${mqttWords(l, ctx, comments)} ${TIMING} ${FAILED}`);
  }
  // An expiring certificate is news, not a reason to restart the broker: its own test alerts.
  if (tlsProbe) tests.push(`if ${target}${tls} certificate valid > 30 days ${TIMING} then alert`);
  return { comments, tests };
}
