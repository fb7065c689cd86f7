// What every check returns, every cycle: ok, failed, or "not measurable yet" (init). A check never
// throws to mean "down"; a throw is a bug and is reported as one.

/** Why a service is unhealthy (DESIGN.md §4). Rules and alerts can act per class. */
export const FAILURE_CLASSES = [
  'process-missing',
  'zombie',
  'pid-reused',
  'pidfile-invalid',
  'pidfile-unreadable',
  'pidfile-foreign',
  'port-closed',
  'tls',
  'tls-untrusted',
  'tls-expired',
  'certificate-expiring',
  'certificate-mismatch',
  'connack-refused',
  'connect-timeout',
  'subscribe-refused',
  'subscribe-timeout',
  'publish-not-acked',
  'not-delivered',
  'bridge-broken',
  'latency',
  'protocol-error',
  'response-timeout',
  'http-status',
  'content-mismatch',
  'sys-stale',
  'sys-uptime-reset',
  'sys-threshold',
  'resource',
  'start-failed',
  'stop-failed',
  'action-timeout',
  'program-status',
  'file',
  'alert-rejected',
  'internal',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type CheckStatus = 'ok' | 'failed' | 'init';

export interface CheckResult {
  /** The rule this result is for (Rule.id). */
  readonly ruleId: string;
  readonly status: CheckStatus;
  readonly class?: FailureClass;
  readonly message: string;
  /** Numbers worth graphing: probe step timings in ms, cpu %, memory bytes, … */
  readonly metrics?: Readonly<Record<string, number>>;
}
