// Mail (monit's channel): `set mailserver` servers tried in order, each with its port, credentials,
// TLS and timeout; the first that accepts the mail ends the attempt. `starttls` requires the upgrade
// (nodemailer's requireTLS: a server not offering it fails rather than receiving the mail and
// password in clear); `tls` is implicit TLS (465). Without any server, mails go to the outbox.
import type { SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailServer } from '../../config/model.js';
import { abortable } from '../abort.js';
import type { ChannelEnv, ChannelFactory, MailTlsOptions } from '../types.js';
import { composeMail } from './mail-compose.js';
import { writeOutbox } from './outbox.js';
import { noDelaySocket } from './smtp-socket.js';

/** Connect and greeting deadline when `set mailserver` names none (monit's is 5 s; SMTP can be slow). */
export const DEFAULT_MAIL_TIMEOUT_MS = 10_000;

/** nodemailer's settings for one server. */
export function transportOptions(s: MailServer, env: Pick<ChannelEnv, 'host'> & { mailTls?: MailTlsOptions }): SMTPTransport.Options {
  const secure = s.security === 'tls';
  const timeout = s.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS;
  return {
    host: s.host,
    // monit's default port is 25; implicit TLS lives on 465.
    port: s.port ?? (secure ? 465 : 25),
    secure,
    requireTLS: s.security === 'starttls',
    ...(s.username !== undefined ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    name: env.host,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    // DATA may wait for the server's content checks: give it longer than the connect.
    socketTimeout: Math.max(timeout, 30_000),
    getSocket: noDelaySocket(timeout),
    tls: {
      rejectUnauthorized: env.mailTls?.insecure !== true,
      ...(env.mailTls?.ca ? { ca: env.mailTls.ca } : {}),
    },
  };
}

async function sendVia(server: MailServer, message: SendMailOptions, env: ChannelEnv, signal: AbortSignal): Promise<void> {
  // Loaded on first use: an idle daemon that never mails does not carry nodemailer in memory.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(transportOptions(server, env));
  try {
    await abortable(transport.sendMail(message), signal);
  } finally {
    transport.close();
  }
}

/** The mail channel. */
export const mailChannel: ChannelFactory<'mail'> = (target, env) => ({
  async send(alert, signal) {
    const message = composeMail(alert, target, env);
    const servers = env.config.mailServers;
    if (servers.length === 0) {
      const path = await writeOutbox(message, alert, env.stateDir);
      env.logger.info({ recipient: target.address, file: path }, 'no mail server set: alert mail written to the outbox');
      return;
    }
    const errors: string[] = [];
    for (const s of servers) {
      if (signal.aborted) break;
      try {
        await sendVia(s, message, env, signal);
        return;
      } catch (err) {
        // nodemailer's messages carry the server's reply ("535 Authentication failed"), not the password.
        errors.push(`${s.host}:${transportOptions(s, env).port ?? ''}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no mail server accepted the mail: ${errors.join('; ') || 'aborted'}`);
  },
});
