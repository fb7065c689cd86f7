// A real SMTP server (smtp-server, mails parsed by mailparser) whose behaviour the soak switches:
// up, down (not listening: connections refused), slow (DATA answered late, past the client's
// timeout: an uncertain send), or refusing every mail with 550 (for good) or 451 (try later).
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sleep, wallMs } from '../lib.js';

export type SmtpMode = 'up' | 'down' | 'slow' | 'refuse550' | 'refuse451';

/** One mail as the server saw it. */
export interface SeenMail {
  readonly at: number;
  readonly messageId: string;
  /** X-Brokerwatch-Event: "KIND SERVICE TYPE STATE". */
  readonly event: string;
  readonly subject: string;
  readonly text: string;
  /** accepted (250), or the code it was refused with. */
  readonly outcome: 'accepted' | 550 | 451;
}

/** The SMTP peer; `mails` holds every mail whose DATA was read, in order. */
export class ChaosSmtp {
  readonly mails: SeenMail[] = [];
  mode: SmtpMode = 'up';
  /** How late a slow server answers DATA (ms). */
  slowMs = 3_000;
  port = 0;
  #server: SMTPServer | undefined;

  static async start(): Promise<ChaosSmtp> {
    const s = new ChaosSmtp();
    await s.listen();
    return s;
  }

  /** Switches the behaviour; `down` closes the listener, anything else opens it again on the same port. */
  async set(mode: SmtpMode): Promise<void> {
    this.mode = mode;
    if (mode === 'down') await this.close();
    else if (!this.#server) await this.listen();
  }

  async listen(): Promise<void> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      closeTimeout: 100,
      disableReverseLookup: true,
      onData: (stream, _session, cb) => {
        simpleParser(stream)
          .then(async (mail) => {
            const mode = this.mode;
            if (mode === 'slow') await sleep(this.slowMs);
            const refused = mode === 'refuse550' ? 550 : mode === 'refuse451' ? 451 : undefined;
            this.mails.push({
              at: wallMs(),
              messageId: mail.messageId ?? '',
              event: String(mail.headers.get('x-brokerwatch-event') ?? ''),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              outcome: refused ?? 'accepted',
            });
            if (refused === 550) cb(Object.assign(new Error('5.7.1 refused by policy'), { responseCode: 550 }));
            else if (refused === 451) cb(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
            else cb();
          })
          .catch((err: unknown) => cb(err as Error));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const a = server.server.address();
    if (a === null || typeof a === 'string') throw new Error('chaos SMTP has no port');
    this.port = a.port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
