// Mail (monit's channel): `set mailserver` servers tried in order, each with its port, credentials,
// TLS and timeout; the first that accepts the mail ends the attempt. `starttls` requires the upgrade
// (nodemailer's requireTLS: a server not offering it fails rather than receiving the mail and
// password in clear); `tls` is implicit TLS (465); both check the certificate against the system's
// CAs plus the rules' `cacertificatefile`/`cacertificatepath`, unless `verify: disable` or
// `selfsigned: allow`. Without `using`, STARTTLS is used when offered, unverified, and plain SMTP
// otherwise, like a mail relay's opportunistic TLS. Without any server, mails go to the outbox.
import { readFile, readdir, stat } from '../../../util/fs-async.js';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailServer } from '../../../config/model.js';
import { abortable } from '../../abort.js';
import type { ChannelEnv, MailTlsOptions } from '../../types.js';
import { PermanentRejection } from '../../types.js';
import type { Send } from '../contract.js';
import { composeMail } from './compose.js';
import { writeOutbox } from './outbox.js';
import { noDelaySocket } from './smtp-socket.js';
import type { MailTarget } from './syntax.js';

/** Connect and greeting deadline when `set mailserver` names none (monit's is 5 s; SMTP can be slow). */
export const DEFAULT_MAIL_TIMEOUT_MS = 10_000;

type MailEnv = Pick<ChannelEnv, 'host'> & { mailTls?: MailTlsOptions };

/**
 * nodemailer's settings for one server. `ca` holds the PEM certificates read from the server's
 * CA file or folder (see trustedCas); nodemailer then trusts them beside the system's. The
 * connection is destroyed when `signal` aborts.
 */
export function transportOptions(
  s: MailServer,
  env: MailEnv,
  ca: readonly string[] = [],
  signal?: AbortSignal,
): SMTPTransport.Options {
  const secure = s.security === 'tls';
  const timeout = s.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS;
  // `selfsigned: allow` checks nothing: a self-signed certificate proves no identity, anyone can make one.
  const verify =
    s.security !== undefined &&
    s.tls?.verify !== false &&
    s.tls?.allowSelfSigned !== true &&
    env.mailTls?.insecure !== true;
  const extra = [...ca, ...(env.mailTls?.ca ? [env.mailTls.ca] : [])];
  return {
    host: s.host,
    // monit's default port is 25; implicit TLS lives on 465.
    port: s.port ?? (secure ? 465 : 25),
    secure,
    requireTLS: s.security === 'starttls',
    // Opportunistic STARTTLS (no `using`): a refused STARTTLS goes on in plain text, as monit would
    // send, but only without credentials. With them a refusal fails the attempt (it is retried):
    // nodemailer would go on without the server's AUTH capability, so without logging in, and a
    // password is never to be sent in clear text to a server that offered to encrypt.
    ...(s.security === undefined && s.username === undefined ? { opportunisticTLS: true } : {}),
    ...(s.username !== undefined ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    name: s.heloName ?? env.host,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    // DATA may wait for the server's content checks: give it longer than the connect.
    socketTimeout: Math.max(timeout, 30_000),
    getSocket: noDelaySocket(timeout, signal),
    tls: {
      rejectUnauthorized: verify,
      // `ca` replaces Node's built-in roots, so they are passed along with the extra ones.
      ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
    },
  };
}

/** The PEM certificates of a server's `cacertificatefile` and of the files in its `cacertificatepath`. */
export async function trustedCas(s: MailServer): Promise<string[]> {
  const out: string[] = [];
  const file = s.security ? s.tls?.caFile : undefined;
  const dir = s.security ? s.tls?.caPath : undefined;
  if (file !== undefined) out.push(await readPem(file));
  if (dir !== undefined) out.push(...(await readCaFolder(dir)));
  return out;
}

/** A CA folder's certificates, read again only when the folder changed (a folder like /etc/ssl/certs
 *  holds hundreds of files, and every mail attempt asks). */
const caFolders = new Map<string, { readonly mtimeMs: number; readonly pems: readonly string[] }>();

async function readCaFolder(dir: string): Promise<readonly string[]> {
  let mtimeMs: number;
  let names: string[];
  try {
    mtimeMs = (await stat(dir)).mtimeMs;
    const cached = caFolders.get(dir);
    if (cached?.mtimeMs === mtimeMs) return cached.pems;
    names = await readdir(dir);
  } catch (e) {
    throw new Error(`cannot read the CA folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // OpenSSL's folder holds hashed links (abcd1234.0) beside the certificates; every PEM counts once.
  const all = await Promise.all(names.sort().map((n) => readFile(join(dir, n), 'utf8').catch(() => '')));
  const pems = [...new Set(all.filter((p) => p.includes('-----BEGIN CERTIFICATE-----')))];
  caFolders.set(dir, { mtimeMs, pems });
  return pems;
}

async function readPem(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the CA file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`the CA file ${path} holds no PEM certificate`);
  return text;
}

async function sendVia(
  server: MailServer,
  message: SendMailOptions,
  env: ChannelEnv,
  signal: AbortSignal,
): Promise<void> {
  // Loaded on first use: an idle daemon that never mails does not carry nodemailer in memory.
  const { default: nodemailer } = await import('nodemailer');
  // Read at each attempt: a renewed CA file is used without a reload.
  const transport = nodemailer.createTransport(transportOptions(server, env, await trustedCas(server), signal));
  try {
    await abortable(transport.sendMail(message), signal);
  } finally {
    transport.close();
  }
}

/** Mails one alert to the mail target, or writes it to the outbox without a mail server. */
export const send: Send<MailTarget> = async (target, alert, env, signal) => {
  const message = composeMail(alert, target, env);
  const servers = env.config.mailServers;
  if (servers.length === 0) {
    const path = await writeOutbox(message, alert, env.stateDir);
    env.logger.info({ recipient: target.address, file: path }, 'no mail server set: alert mail written to the outbox');
    return;
  }
  const errors: string[] = [];
  let refused = 0;
  for (const s of servers) {
    if (signal.aborted) break;
    try {
      await sendVia(s, message, env, signal);
      return;
    } catch (err) {
      // nodemailer's messages carry the server's reply ("535 Authentication failed"), not the password.
      errors.push(`${s.host}:${transportOptions(s, env).port ?? ''}: ${(err as Error).message}`);
      if (refusedForGood(err)) refused++;
    }
  }
  const why = errors.join('; ') || 'aborted';
  // Every server refused this very mail (not a connection, a login or a busy server): no retry helps.
  if (refused > 0 && refused === servers.length) {
    const path = await writeOutbox(message, alert, env.stateDir);
    throw new PermanentRejection(`the mail to ${target.address} was refused for good: ${why}; kept in ${path}`);
  }
  throw new Error(`no mail server accepted the mail: ${why}`);
};

/** SMTP commands whose 5xx answer refuses the message itself, whatever the retry. */
const MESSAGE_COMMANDS = /^(MAIL FROM|RCPT TO|DATA)\b/i;

/** An SMTP 5xx to the sender, a recipient or the content (nodemailer: responseCode and command). */
export function refusedForGood(err: unknown): boolean {
  const e = err as { responseCode?: unknown; command?: unknown; code?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (code === undefined || code < 500 || code > 599) return false;
  return e.code === 'EENVELOPE' || (typeof e.command === 'string' && MESSAGE_COMMANDS.test(e.command));
}
