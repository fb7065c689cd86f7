// nodemailer opens its SMTP sockets with Nagle's algorithm on, so the lone ".\r\n" ending DATA
// waits for the server's delayed ACK (40 ms on Linux) before it leaves: a third of a local
// delivery. We hand it sockets of our own with TCP_NODELAY; nodemailer still does the TLS (implicit
// or STARTTLS) on top, and the connect deadline, which it no longer sees, is ours. So is the end of
// an attempt given up (its deadline passed, the alerts closing): nodemailer's close() leaves the
// connection to its socket timeout (30 s, or never for a server that dribbles bytes), so the
// socket is destroyed when SIGNAL aborts.
import { connect } from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** nodemailer's `getSocket` hook: a no-delay socket, or an error after TIMEOUTMS; closed when SIGNAL aborts. */
export function noDelaySocket(
  timeoutMs: number,
  signal?: AbortSignal,
): NonNullable<SMTPTransport.Options['getSocket']> {
  return (options, callback) => {
    const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? 25 });
    socket.setNoDelay(true);
    let connected = false;
    const onAbort = (): void =>
      connected ? void socket.destroy() : done(Object.assign(new Error('mail attempt aborted'), { code: 'EABORT' }));
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      socket.removeListener('error', done);
      if (err) {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        callback(err, undefined);
      } else {
        connected = true;
        callback(null, { connection: socket });
      }
    };
    const timer = setTimeout(
      () => done(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('error', done);
    socket.once('connect', () => done(null));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => signal?.removeEventListener('abort', onAbort));
  };
}
