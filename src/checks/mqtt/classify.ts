// Every way a probe can fail, turned into one failure class and a message that says which step
// failed and why (DESIGN.md §4). Socket and TLS errors arrive as Node error codes; bytes that are not
// MQTT arrive as a buffer; both are read here so that session and probe code only route them.
import { OwnFault, isOwnFault } from '../../util/own-fault.js';
import type { FailureClass } from '../result.js';

/** A classified probe failure. Thrown inside the probe layer only; checks turn it into a result. */
export class ProbeFailure extends Error {
  constructor(
    readonly class_: FailureClass,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

/** Where in the connection a socket error happened: it decides between 'tls' and 'port-closed'. */
export type Phase = 'tcp' | 'tls' | 'mqtt' | 'open';

// OpenSSL verification codes (Node keeps them as error codes) grouped by what a user must fix.
const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);
/** How a rule trusts such a certificate: the rules-file options, in the words of the grammar. */
const VERIFY_HINT =
  "name its CA with 'cafile PATH', or turn verification off with 'ssl { verify: disable }' (or 'verify disable')";
const TLS_WORDS: Readonly<Record<string, string>> = {
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  CERT_REVOKED: 'certificate revoked',
  INVALID_PURPOSE: 'certificate not meant for a TLS server',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the port does not speak TLS (wrong version number)',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the port does not speak TLS',
};

/** Classifies a socket error seen during PHASE of a connection (TIMEOUTMS names the deadline). */
export function socketFailure(e: NodeJS.ErrnoException, phase: Phase, timeoutMs?: number): ProbeFailure {
  // A transport that classified its own failure (a WebSocket upgrade refused).
  if (e instanceof ProbeFailure) return e;
  const code = e.code ?? '';
  // No socket for want of descriptors or memory: brokerwatch's trouble, no verdict on the broker.
  if (isOwnFault(e)) return new ProbeFailure('internal', new OwnFault('open a connection', e).message);
  if (code === 'ECONNREFUSED') return new ProbeFailure('port-closed', 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ProbeFailure('port-closed', `cannot resolve host (${code})`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new ProbeFailure('port-closed', `host unreachable (${code})`);
  if (code === 'ETIMEDOUT')
    return new ProbeFailure(
      'connect-timeout',
      `no TCP connection${timeoutMs ? ` within ${timeoutMs} ms` : ''} (ETIMEDOUT)`,
    );
  if (UNKNOWN_CA.has(code))
    return new ProbeFailure(
      'tls-untrusted',
      `TLS: certificate not signed by a trusted CA (unknown CA: ${code}); ${VERIFY_HINT}`,
    );
  if (code === 'CERT_HAS_EXPIRED') return new ProbeFailure('tls-expired', `TLS: certificate expired; ${VERIFY_HINT}`);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new ProbeFailure('tls', `TLS: certificate name mismatch: ${e.message}`);
  const words = TLS_WORDS[code];
  if (words) return new ProbeFailure('tls', `TLS: ${words}`);
  // Alerts from the broker arrive as ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED and the like.
  const alert = /^ERR_SSL_(?:TLSV1\d*|SSLV3)_ALERT_(\w+)$/.exec(code)?.[1];
  if (alert !== undefined) {
    const said = alert.toLowerCase().replace(/_/g, ' ');
    const hint = /certificate|unknown ca|handshake failure/.test(said)
      ? ' (client certificate missing or not accepted?)'
      : '';
    return new ProbeFailure('tls', `TLS: the broker refused the handshake: ${said}${hint}`);
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT/.test(code)) {
    // OpenSSL's message is a long internal trace; its code says the same in a few words.
    return new ProbeFailure(
      'tls',
      `TLS handshake failed: ${code
        .replace(/^ERR_(SSL|TLS)_/, '')
        .toLowerCase()
        .replace(/_/g, ' ')}`,
    );
  }
  if (phase === 'tls') {
    return new ProbeFailure(
      'tls',
      `connection closed during the TLS handshake (${code || e.message}; not a TLS port, or a client certificate required?)`,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    // A reset in answer to our CONNECT is a refusal of the protocol itself, typically a TLS listener.
    if (phase === 'mqtt')
      return new ProbeFailure(
        'protocol-error',
        `connection reset in answer to CONNECT (${code}; a TLS port? add tls to the rule)`,
      );
    return new ProbeFailure('port-closed', `connection reset by the broker (${code})`);
  }
  return new ProbeFailure('port-closed', e.message);
}

/** The first bytes of an answer that is not MQTT, in hex, with a guess at what it is. */
export function garbageFailure(bytes: Buffer, what: string): ProbeFailure {
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const first = bytes[0];
  // A TLS alert (0x15) or handshake (0x16) record: a TLS port probed without `tls`.
  const hint =
    first === 0x15 || first === 0x16
      ? ' (a TLS port? add tls to the rule)'
      : bytes.subarray(0, 5).toString('latin1') === 'HTTP/'
        ? ' (an HTTP server)'
        : '';
  return new ProbeFailure(
    'protocol-error',
    `${what}: received bytes that are not MQTT: ${hex}${bytes.length > 8 ? ' …' : ''}${hint}`,
  );
}

/** A classified failure from anything a probe step may throw; a non-ProbeFailure is a bug. */
export function asFailure(e: unknown): ProbeFailure {
  if (e instanceof ProbeFailure) return e;
  return new ProbeFailure('internal', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}
