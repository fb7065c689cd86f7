// Fuzz target 4, alert mail: the mail channel (nodemailer, as the alert lanes drive it, with an
// attempt deadline) against a fake SMTP server on loopback that answers right but for one reply per
// connection, which it gives a bad code, garbage lines, a huge line, bytes one at a time, or which
// it withholds or answers by closing. Promises: nothing escapes uncaught, every attempt ends in time
// as delivered or as a temporary or permanent failure (permanent only for a 5xx to the mail itself),
// and no connection stays open.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { channelFor } from '../src/alerts/channels/registry.js';
import type { Alert } from '../src/alerts/types.js';
import { PermanentRejection } from '../src/alerts/types.js';
import { parseRules } from '../src/config/loader.js';
import { eventually, fdsBackTo, openFds } from './descriptors.js';
import { Rng } from './prng.js';
import type { CaseReport, FuzzSession, FuzzTarget } from './target.js';

const STEPS = ['greeting', 'ehlo', 'auth', 'mail', 'rcpt', 'data', 'dot', 'quit'] as const;
type Step = (typeof STEPS)[number];
const MUTATIONS = [
  'code',
  'multiline',
  'huge',
  'close',
  'reset',
  'stall',
  'split',
  'bare-lf',
  'binary',
  'extra',
  'double',
] as const;
type Mutation = (typeof MUTATIONS)[number];
const CODES = [
  '000',
  '999',
  'abc',
  '1',
  '2500',
  '421',
  '450',
  '451',
  '452',
  '454',
  '500',
  '501',
  '502',
  '503',
  '530',
  '535',
  '550',
  '552',
  '553',
  '554',
  '220',
  '250',
  '334',
  '354',
  '',
];

/** One case: the server's settings and which reply goes wrong, how. */
export interface SmtpScenario {
  readonly auth: boolean;
  readonly starttls: boolean;
  readonly victim: Step;
  readonly mutation: Mutation;
  readonly code: string;
  /** The attempt's deadline (the alert lanes' own, shortened). */
  readonly deadlineMs: number;
  readonly seed: number;
}

export function smtpScenario(rng: Rng): SmtpScenario {
  const auth = rng.chance(0.3);
  const victims = STEPS.filter((s) => auth || s !== 'auth');
  return {
    auth,
    starttls: rng.chance(0.1),
    victim: rng.pick(victims),
    mutation: rng.pick(MUTATIONS),
    code: rng.pick(CODES),
    deadlineMs: rng.pick([1_500, 2_500]),
    seed: rng.int(0, 2 ** 31),
  };
}

/** Whether the mail must not count as delivered. */
export function mustFail(s: SmtpScenario): boolean {
  // A refused EHLO falls back to HELO; a QUIT comes after the mail was taken.
  if (s.victim === 'ehlo' || s.victim === 'quit') return false;
  return ['close', 'reset', 'stall'].includes(s.mutation) || (s.mutation === 'code' && /^[45]/.test(s.code));
}

/** Whether a permanent rejection is right: a 5xx to the sender, a recipient or the content. */
export function mayBePermanent(s: SmtpScenario): boolean {
  const answered = !['close', 'reset', 'stall'].includes(s.mutation);
  return ['mail', 'rcpt', 'data', 'dot'].includes(s.victim) && answered && s.code.startsWith('5');
}

/** The right reply to each step. */
function rightReply(step: Step, s: SmtpScenario): string {
  switch (step) {
    case 'greeting':
      return '220 fuzz.example ESMTP ready\r\n';
    case 'ehlo':
      return [
        '250-fuzz.example',
        '250-SIZE 10240000',
        '250-8BITMIME',
        ...(s.starttls ? ['250-STARTTLS'] : []),
        ...(s.auth ? ['250-AUTH PLAIN LOGIN'] : []),
        '250 SMTPUTF8',
        '',
      ].join('\r\n');
    case 'auth':
      return '235 2.7.0 authenticated\r\n';
    case 'mail':
    case 'rcpt':
      return '250 2.1.0 ok\r\n';
    case 'data':
      return '354 go ahead\r\n';
    case 'dot':
      return '250 2.0.0 queued as FUZZ\r\n';
    case 'quit':
      return '221 2.0.0 bye\r\n';
  }
}

/** Writes REPLY, or not, mutated the scenario's way. */
function mutatedReply(sock: Socket, s: SmtpScenario, rng: Rng, right: string): void {
  const text = (body: string): string => `${s.code} ${body}\r\n`;
  const actions: Record<Mutation, () => void> = {
    code: () => sock.write(text('fuzzed')),
    multiline: () =>
      sock.write(
        rng.pick([
          `${s.code}-first\r\n${s.code}-second\r\n`,
          `250-ok\r\n${s.code}-mixed\r\n250 done\r\n`,
          `${s.code}-${'line\r\n'.repeat(rng.size(3))}`,
          `${s.code}-a\r\n\r\n${s.code} b\r\n`,
        ]),
      ),
    huge: () => sock.write(text('x'.repeat(rng.size(6)))),
    close: () => sock.end(),
    reset: () => sock.resetAndDestroy(),
    stall: () => undefined,
    split: () => dribble(sock, Buffer.from(text('split'))),
    'bare-lf': () => sock.write(`${s.code}-a\n${s.code} b\n`),
    binary: () =>
      sock.write(Buffer.concat([Buffer.from(`${s.code} `), rng.bytes(rng.int(1, 64)), Buffer.from('\r\n')])),
    extra: () => sock.write(`${text('unsolicited')}${right}`),
    double: () => sock.write(`${text('once')}${text('twice')}`),
  };
  actions[s.mutation]();
}

function dribble(sock: Socket, bytes: Buffer, i = 0): void {
  if (i >= bytes.length || sock.destroyed) return;
  sock.write(bytes.subarray(i, i + 1));
  setImmediate(() => dribble(sock, bytes, i + 1));
}

/** An SMTP server of a few lines: right answers, but the victim's on each connection. */
class FakeSmtp {
  readonly #server: Server;
  readonly #live = new Set<Socket>();
  #case: SmtpScenario | undefined;

  constructor() {
    this.#server = createServer((sock) => this.#accept(sock));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new Error('no TCP address');
    return a.port;
  }

  live(): number {
    return this.#live.size;
  }

  /** Whether the victim's reply went out (mutated) this case: a client may never reach it (after
   *  a refused STARTTLS nodemailer reads no AUTH capability and sends without logging in). */
  reached = false;

  begin(s: SmtpScenario): void {
    for (const sock of this.#live) sock.destroy();
    this.#case = s;
    this.reached = false;
  }

  async close(): Promise<void> {
    for (const sock of this.#live) sock.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(sock: Socket): void {
    const s = this.#case;
    if (!s) return void sock.destroy();
    this.#live.add(sock);
    sock.on('close', () => this.#live.delete(sock));
    sock.on('error', () => undefined);
    const rng = new Rng(s.seed);
    let mutated = false;
    /** Answers STEP; false when the answer was not the right one. */
    const reply = (step: Step): boolean => {
      if (sock.destroyed) return false;
      const right = rightReply(step, s);
      if (step !== s.victim || mutated) return sock.write(right) || true;
      mutated = true;
      this.reached = true;
      mutatedReply(sock, s, rng, right);
      return false;
    };
    // After DATA: the message, unless the client gave up (a mutated reply may still read as a go-ahead).
    let inData = false;
    let afterData = false;
    let authLines = 0;
    let pending = '';
    sock.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (inData) {
          if (line === '.') {
            inData = false;
            reply('dot');
          }
          continue;
        }
        if (afterData) {
          afterData = false;
          inData = !/^(RSET|QUIT|NOOP|MAIL|EHLO|HELO)\b/i.test(line);
          if (inData) continue;
        }
        if (authLines > 0) {
          authLines--;
          if (authLines === 0) reply('auth');
          else sock.write('334 UGFzc3dvcmQ6\r\n');
          continue;
        }
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO' || verb === 'HELO') reply('ehlo');
        else if (verb === 'AUTH' && /^AUTH LOGIN$/i.test(line)) {
          authLines = 2;
          sock.write('334 VXNlcm5hbWU6\r\n');
        } else if (verb === 'AUTH') reply('auth');
        else if (verb === 'MAIL') reply('mail');
        else if (verb === 'RCPT') reply('rcpt');
        else if (verb === 'DATA') {
          inData = reply('data');
          afterData = !inData;
        } else if (verb === 'QUIT') {
          reply('quit');
          sock.end();
        } else if (verb === 'STARTTLS') sock.write('454 4.7.0 TLS not available after all\r\n');
        else sock.write(verb === 'RSET' || verb === 'NOOP' ? '250 ok\r\n' : '502 5.5.2 unknown command\r\n');
      }
    });
    reply('greeting');
  }
}

/** An alert as the queue holds it. */
function alert(index: number): Alert {
  const now = Date.now();
  return {
    v: 1,
    id: `fuzz${index}`,
    lane: 'mail-fuzz',
    label: 'ops@example.com',
    kind: 'event',
    host: 'fuzz-host',
    created: now,
    order: index,
    event: {
      id: index,
      service: 'mosquitto',
      type: 'nonexist',
      state: 'failed',
      action: 'restart',
      class: 'process-missing',
      message: 'process 4242 (mosquitto) is gone',
      time: now,
    },
  };
}

/** How an attempt ended: delivered, failed for now or for good, or not at all. */
type Ending = 'delivered' | 'temporary' | 'permanent' | { readonly odd: string };

async function attempt(send: Promise<void>, capMs: number): Promise<Ending | 'never'> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<'never'>((resolve) => (timer = setTimeout(() => resolve('never'), capMs)));
  const ended = send.then(
    (): Ending => 'delivered',
    (e: unknown): Ending =>
      e instanceof PermanentRejection
        ? 'permanent'
        : e instanceof Error
          ? 'temporary'
          : { odd: `threw a non-Error: ${String(e)}` },
  );
  return Promise.race([ended, never]).finally(() => clearTimeout(timer));
}

/** What is wrong with how an attempt ended, or undefined. */
export function endingProblem(
  s: SmtpScenario,
  ending: Ending | 'never',
  took: number,
  reached = true,
): string | undefined {
  if (ending === 'never') return `the attempt never ended (${took} ms)`;
  if (typeof ending === 'object') return ending.odd;
  if (took > s.deadlineMs + 3_000) return `the attempt took ${took} ms, past its deadline of ${s.deadlineMs} ms`;
  if (ending === 'delivered' && reached && mustFail(s))
    return `delivered although the ${s.victim} reply was '${s.mutation}' (${s.code})`;
  if (ending === 'permanent' && !mayBePermanent(s))
    return `a permanent rejection (the alert would be dropped) for a '${s.mutation}' ${s.victim} reply (${s.code})`;
  return undefined;
}

class SmtpSession implements FuzzSession {
  constructor(
    readonly server: FakeSmtp,
    readonly port: number,
    readonly stateDir: string,
    readonly baseline: number,
  ) {}

  async run(rng: Rng, index: number): Promise<CaseReport> {
    const s = smtpScenario(rng);
    const auth = s.auth ? ' username "fuzz" password "fuzz-pw"' : '';
    const text = `set mailserver 127.0.0.1 port ${this.port}${auth} with timeout 1 seconds\nset alert ops@example.com\n`;
    const input = [
      { name: 'scenario.json', data: `${JSON.stringify(s, null, 2)}\n` },
      { name: 'rules.rc', data: text },
    ];
    this.server.begin(s);
    const { config } = await parseRules(text, 'fuzz.rc');
    const target = config.alerts[0]?.target;
    if (!target) throw new Error('no alert target');
    const env = { config, host: 'fuzz-host', stateDir: this.stateDir, logger: pino({ level: 'silent' }) };
    const started = Date.now();
    const ending = await attempt(
      channelFor(target, env).send(alert(index), AbortSignal.timeout(s.deadlineMs)),
      s.deadlineMs + 30_000,
    );
    const took = Date.now() - started;
    const problem = endingProblem(s, ending, took, this.server.reached);
    const closed = await eventually(() => this.server.live() === 0, 3_000);
    const finding =
      problem ??
      (closed ? undefined : `${this.server.live()} connections left open after the attempt ended (${String(ending)})`);
    return { verdict: ending === 'delivered' ? 'accepted' : 'rejected', ...(finding ? { finding } : {}), input };
  }

  async checkpoint(): Promise<string | undefined> {
    const left = await fdsBackTo(this.baseline);
    return left === undefined ? undefined : `descriptors leaked: ${left} open, ${this.baseline} before`;
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(this.stateDir, { recursive: true, force: true });
  }
}

export const smtpTarget: FuzzTarget = {
  name: 'smtp',
  batch: 25,
  async open() {
    const server = new FakeSmtp();
    const port = await server.listen();
    const stateDir = await mkdtemp(join(tmpdir(), 'brokerwatch-fuzz-smtp-'));
    return new SmtpSession(server, port, stateDir, openFds());
  },
};
