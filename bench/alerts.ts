// Alert latency benchmark (DESIGN.md §5: "alert mail after a crash, SMTP up: accepted by SMTP
// ≤ 1 s"): a daemon in this process supervises a real mosquitto through its start program, alerts
// go to a real in-process SMTP server, and each run SIGKILLs the broker and measures kill → the
// server accepting the "Does not exist" mail's DATA. Run alone: node dist/bench/alerts.js [runs].
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { startAlerts } from '../src/alerts/index.js';
import { parseRules } from '../src/config/loader.js';
import { Daemon } from '../src/daemon/daemon.js';
import { alive, brokerSetup, cleanupBroker, connack, ms, readPid, sleep, stats, table, wallMs } from './lib.js';

interface Accepted {
  readonly at: number;
  readonly subject: string;
}

/** An SMTP server on a free loopback port noting when each mail's DATA is accepted. */
async function smtpSink(): Promise<{ port: number; accepted: Accepted[]; close(): Promise<void> }> {
  const accepted: Accepted[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    // A reverse DNS lookup of 127.0.0.1 per connection costs the server ~150 ms here; what is
    // measured is brokerwatch, not the resolver.
    disableReverseLookup: true,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8_192) head += c.toString('utf8');
      });
      stream.on('end', () => {
        // The 250 reply goes out right after this callback: that is "accepted".
        accepted.push({ at: wallMs(), subject: /^Subject: (.*)$/m.exec(head)?.[1] ?? '' });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const a = server.server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { port, accepted, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(
  what: string,
  deadlineMs: number,
  fn: () => Promise<T | undefined> | T | undefined,
  pollMs = 2,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(pollMs);
  }
  throw new Error(`alert bench: ${what} within ${deadlineMs} ms`);
}

/** Kills the supervised broker RUNS times; returns kill → crash mail accepted by SMTP, in ms. */
export async function alertLatencyBench(runs: number): Promise<number[]> {
  const smtp = await smtpSink();
  const b = await brokerSetup('alerts');
  const text = [
    'set daemon 1',
    `set statefile ${join(b.dir, 'state.json')}`,
    `set mailserver 127.0.0.1 port ${smtp.port}`,
    'set alert bench@example.com not on { instance }',
    `check process mosquitto with pidfile ${b.pidfile}`,
    `  start program = "${b.startScript}" with timeout 10 seconds`,
    '  if does not exist then restart',
    '',
  ].join('\n');
  const { config } = await parseRules(text, join(b.dir, 'bench.rc'));
  const logger = pino({ level: 'silent' });
  const daemon = new Daemon(config, { logger });
  // Flapping folds crashes closer than a minute apart: off, so that every run is alerted on its own.
  const alerts = await startAlerts(daemon, {
    config,
    logger,
    stateDir: b.dir,
    flapping: false,
    instanceEvents: false,
    closeGraceMs: 0,
  });
  const crashMails = (): Accepted[] => smtp.accepted.filter((m) => m.subject.includes('Does not exist'));
  const recoveryMails = (): Accepted[] => smtp.accepted.filter((m) => m.subject.includes('Exists'));
  const latencies: number[] = [];
  try {
    await daemon.start();
    for (let i = 0; i < runs; i++) {
      // Supervised, healthy, and every alert so far delivered (the recovery of the last crash too):
      // a kill before the recovery would be the same failure, which is not alerted twice.
      const pid = await until(
        'broker supervised and healthy',
        20_000,
        async () => {
          const p = readPid(b.pidfile);
          const r = daemon.runner('mosquitto');
          if (!p || !alive(p) || r?.identity?.pid !== p || r.state.inFlight || r.state.status !== 'ok')
            return undefined;
          if (!(await connack(b.port, 500))) return undefined;
          await alerts.flush();
          return crashMails().length === recoveryMails().length ? p : undefined;
        },
        20,
      );
      await sleep(100 + Math.random() * 400);
      const seen = crashMails().length;
      const t0 = wallMs();
      process.kill(pid, 'SIGKILL');
      const mail = await until('crash mail accepted', 10_000, () => crashMails()[seen]);
      latencies.push(mail.at - t0);
    }
  } finally {
    await alerts.close();
    await daemon.stop();
    await cleanupBroker(b);
    await smtp.close();
  }
  return latencies;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = stats(await alertLatencyBench(Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 12)));
  table(
    'SIGKILL of mosquitto → alert mail accepted by SMTP',
    ['n', 'min', 'median', 'p90', 'max'],
    [[String(s.n), ms(s.min), ms(s.median), ms(s.p90), ms(s.max)]],
  );
}
