// nodemailer opens its SMTP sockets with Nagle's algorithm on, so the lone ".\r\n" ending DATA
// waits for the server's delayed ACK (40 ms on Linux) before it leaves: a third of a local
// delivery. We hand it sockets of our own with TCP_NODELAY; nodemailer still does the TLS (implicit
// or STARTTLS) on top, and the connect deadline, which it no longer sees, is ours.
import { connect } from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** nodemailer's `getSocket` hook: a connected no-delay socket, or an error after TIMEOUTMS. */
export function noDelaySocket(timeoutMs: number): NonNullable<SMTPTransport.Options['getSocket']> {
  return (options, callback) => {
    const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? 25 });
    socket.setNoDelay(true);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      socket.removeListener('error', done);
      if (err) {
        socket.destroy();
        callback(err, undefined);
      } else {
        callback(null, { connection: socket });
      }
    };
    const timer = setTimeout(
      () => done(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('error', done);
    socket.once('connect', () => done(null));
  };
}
