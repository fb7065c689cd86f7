// One alert as a mail: `set mail-format` (global, then the recipient's own, field by field) with
// monit's variables, or the default subject and body. The Message-ID derives from the alert id and
// the recipient, so a retry after an uncertain send (the connection lost after DATA) carries the
// same Message-ID and the receiving side can recognise the duplicate.
import type { SendMailOptions } from 'nodemailer';
import type { MailFormat } from '../../../config/model.js';
import { DEFAULT_SUBJECT, alertVars, defaultBody, expand } from '../../alert-text.js';
import type { Alert, ChannelEnv } from '../../types.js';
import type { MailTarget } from './syntax.js';

/** The Message-ID of an alert's mail: stable across retries, unique per recipient. */
export function messageId(alert: Alert): string {
  const domain = alert.host.replace(/[^A-Za-z0-9.-]/g, '') || 'brokerwatch';
  return `<brokerwatch.${alert.id}.${alert.lane}@${domain}>`;
}

/** The nodemailer message for ALERT to TARGET. */
export function composeMail(alert: Alert, target: MailTarget, env: ChannelEnv): SendMailOptions {
  const vars = alertVars(alert);
  const fmt: MailFormat = { ...env.config.mailFormat, ...target.format };
  return {
    from: expand(fmt.from ?? 'brokerwatch@$HOST', vars),
    to: target.address,
    ...(fmt.replyTo ? { replyTo: expand(fmt.replyTo, vars) } : {}),
    subject: expand(fmt.subject ?? DEFAULT_SUBJECT, vars),
    text: fmt.message ? `${expand(fmt.message, vars)}\n` : defaultBody(alert, vars, env.httpUrl),
    date: new Date(alert.created),
    messageId: messageId(alert),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Brokerwatch-Alert': alert.id,
      'X-Brokerwatch-Event': `${alert.kind} ${alert.event.service} ${alert.event.type} ${alert.event.state}`,
      ...(env.hostId !== undefined ? { 'X-Monit-Id': env.hostId } : {}),
    },
  };
}
