// The vocabulary of alerts: what is queued on disk (one Alert per recipient), and the one contract
// every channel implements. Queue files are input from disk after a restart, so Alert is plain JSON.
import type { Config } from '../config/model.js';
import type { Logger } from '../util/logger.js';
import type { ServiceEvent } from '../state/events.js';

/** The facts of one ServiceEvent an alert carries; `id` is the daemon's event id (0 for the daemon's own). */
export type AlertEvent = ServiceEvent;

/**
 * `event`: one event as it happened; `reminder`: a failure still lasting; `flapping`: the changes of a
 * flapping service folded into one; `folded`: the oldest queued alerts folded when the queue was full.
 */
export type AlertKind = 'event' | 'reminder' | 'flapping' | 'folded';

/** The events a summary (flapping, folded) stands for: the newest ones, and how many in all. */
export interface AlertSummary {
  readonly count: number;
  /** At most SUMMARY_KEEP events, oldest first. */
  readonly events: readonly AlertEvent[];
  readonly from: number;
  readonly to: number;
}

/** A summary keeps this many events in full; the count says how many it stands for. */
export const SUMMARY_KEEP = 50;

/** One alert for one recipient: the whole content of one queue file. No secrets: the channel's
 *  settings (URLs, passwords) are looked up in the current config by `lane` at send time. */
export interface Alert {
  readonly v: 1;
  /** Unique and stable across retries; the mail Message-ID and webhook Idempotency-Key derive from it. */
  readonly id: string;
  /** The recipient key (see recipients.ts): one delivery lane, strictly in order, per recipient. */
  readonly lane: string;
  /** The recipient in words, for logs: a mail address, a webhook's origin, never a password. */
  readonly label: string;
  readonly kind: AlertKind;
  readonly host: string;
  readonly created: number;
  /** Position in the lane; grows across restarts. */
  readonly order: number;
  /** The event the alert is about; for a summary, its newest event. */
  readonly event: AlertEvent;
  /** Reminders sent for this failure so far, this one included. */
  readonly reminder?: number;
  readonly summary?: AlertSummary;
  /** Ids of the queued alerts this summary replaced; they are deleted after it is written, and a
   *  crash in between is repaired on load by deleting them then. */
  readonly folds?: readonly string[];
}

/** What every channel may need besides its own target. */
export interface ChannelEnv {
  readonly config: Config;
  readonly host: string;
  /** The host's stable id (`set idfile`), in mail headers. */
  readonly hostId?: string;
  readonly httpUrl?: string;
  /** The daemon's state folder; mails go to STATEDIR/outbox when no mail server is set. */
  readonly stateDir: string;
  readonly mailTls?: MailTlsOptions;
  readonly logger: Logger;
}

/** TLS trust for SMTP beyond the system's CAs (tests and private CAs). */
export interface MailTlsOptions {
  /** PEM text of extra trusted certificates. */
  readonly ca?: string;
  /** Accept any certificate. For tests only: it gives up the protection TLS exists for. */
  readonly insecure?: boolean;
}

/** A recipient's channel (see channels/registry.ts): resolves once the far end accepted the alert, throws otherwise. */
export interface Channel {
  send(alert: Alert, signal: AbortSignal): Promise<void>;
}

/**
 * Thrown by a channel when the far end refused the alert for good (an SMTP 5xx to the sender, the
 * recipient or the content): retrying would fail the same way, and block the recipient's later
 * alerts. The alert is taken off the queue and reported; the channel keeps what it could (mail: the
 * message in the outbox), named in the message.
 */
export class PermanentRejection extends Error {
  override readonly name = 'PermanentRejection';
}
