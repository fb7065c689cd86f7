// No `set mailserver`: mails are written as .eml files to STATEDIR/outbox instead, so a fresh
// install (and the demo) shows its alerts without any mail setup. nodemailer builds the message, so
// the file is exactly what a server would have received. Named by the alert id: a retry overwrites.
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { writeFileAtomic } from '../../../util/atomic-file.js';
import type { Alert } from '../../types.js';

/** Writes MESSAGE to STATEDIR/outbox/<time>-<alert id>.eml; resolves with the path. */
export async function writeOutbox(message: SendMailOptions, alert: Alert, stateDir: string): Promise<string> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await transport.sendMail(message);
  const raw: unknown = info.message;
  if (!Buffer.isBuffer(raw)) throw new Error('nodemailer returned no message buffer');
  const stamp = new Date(alert.created)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(stateDir, 'outbox', `${stamp}-${alert.id}.eml`);
  await writeFileAtomic(path, raw.toString('utf8'));
  return path;
}
