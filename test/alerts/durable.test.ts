// The queue's promises: SMTP down, alerts queued on disk, the process holding them killed with
// SIGKILL, restarted, SMTP back: every alert arrives exactly once and in order. And over the
// quota, the oldest alerts are folded into one instead of the newest being dropped.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAlerts } from '../../src/alerts/index.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, FakeDaemon, SmtpPeer, crash, recovery, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());
const LIMIT = { timeout: 30_000 };
const CHILD = fileURLToPath(new URL('./queue-child.js', import.meta.url));

/** Alert files queued under DIR, lane by lane. */
async function queuedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const lane of await readdir(dir).catch(() => [])) {
    if (!/^[0-9a-f]{16}$/.test(lane)) continue;
    for (const f of await readdir(join(dir, lane))) if (f.endsWith('.json')) out.push(f);
  }
  return out;
}

/** The text of the queue file FILE, whatever its lane. */
async function readLane(dir: string, file: string): Promise<string> {
  for (const lane of await readdir(join(dir, 'events'))) {
    const text = await readFile(join(dir, 'events', lane, file), 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
  }
  return '';
}

void describe('the durable alert queue', () => {
  void test('SMTP down, the process SIGKILLed, restarted, SMTP back: every alert once, in order', LIMIT, async () => {
    const smtp = await SmtpPeer.start({}, cleanup);
    await smtp.stop(); // the outage; its port is kept for later
    const dir = await stateDir(cleanup);
    const text = [
      `set mailserver 127.0.0.1 port ${smtp.port}`,
      'set alert ops@example.com not on { instance }',
      'set alert dev@example.com not on { instance }',
      'check process mosquitto with pidfile /run/mosquitto.pid',
      'check process other with pidfile /run/other.pid',
    ].join('\n');
    const child = fork(CHILD, [], {
      env: { ...process.env, BW_ALERTS_CHILD: '1', BW_ALERTS_RULES: text, BW_ALERTS_STATE: dir },
      stdio: 'inherit',
    });
    const exited = once(child, 'exit');
    cleanup.add(() => (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined));
    await once(child, 'message');
    const drafts = [
      crash(),
      recovery(),
      crash('other', 'other gone'),
      crash('mosquitto', 'gone again'),
      recovery('other', 'other back'),
    ];
    for (const d of drafts) child.send({ draft: d });
    // Queued on disk: 5 events × 2 recipients.
    await waitFor(async () => (await queuedFiles(join(dir, 'events'))).length === 10, {
      message: '10 queued alert files',
    });
    child.kill('SIGKILL');
    await exited;

    await smtp.listen();
    const daemon = new FakeDaemon();
    const config = await rules(text);
    const alerts = await startAlerts(daemon, {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      retry: { initialMs: 20, maxMs: 100 },
      instanceEvents: false,
      closeGraceMs: 0,
    });
    cleanup.add(() => alerts.close());
    await alerts.flush();
    assert.equal(smtp.mails.length, 10);
    assert.deepEqual(await queuedFiles(join(dir, 'events')), []);
    const want = [
      'Does not exist mosquitto: process 4242 (mosquitto) is gone',
      'Exists mosquitto: process 4343 is running',
      'Does not exist other: other gone',
      'Does not exist mosquitto: gone again',
      'Exists other: other back',
    ];
    for (const to of ['ops@example.com', 'dev@example.com']) {
      const got = smtp.mails
        .filter((m) => m.to[0] === to)
        .map(
          (m) =>
            `${(m.mail.subject ?? '').replace('brokerwatch alert -- ', '')}: ${/Description:\s+(.*)/.exec(m.mail.text ?? '')?.[1] ?? ''}`,
        );
      assert.deepEqual(got, want, `mails to ${to}`);
    }
    assert.equal(new Set(smtp.mails.map((m) => m.mail.messageId)).size, 10, 'ten distinct Message-IDs');
  });

  void test('the same after close() without a flush (a clean stop during an outage)', LIMIT, async () => {
    const smtp = await SmtpPeer.start({}, cleanup);
    await smtp.stop();
    const dir = await stateDir(cleanup);
    const config = await rules(
      `set mailserver 127.0.0.1 port ${smtp.port}\nset alert ops@example.com not on { instance }\ncheck process mosquitto with pidfile /run/mosquitto.pid`,
    );
    const first = new FakeDaemon();
    const a1 = await startAlerts(first, {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      retry: { initialMs: 20, maxMs: 100 },
      closeGraceMs: 0,
      instanceEvents: false,
    });
    first.events.publish(crash());
    first.events.publish(recovery());
    await waitFor(() => a1.queued() === 2);
    await a1.close();
    await smtp.listen();
    const a2 = await startAlerts(new FakeDaemon(), {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      retry: { initialMs: 20, maxMs: 100 },
      closeGraceMs: 0,
      instanceEvents: false,
    });
    cleanup.add(() => a2.close());
    await a2.flush();
    assert.deepEqual(smtp.subjects(), [
      'brokerwatch alert -- Does not exist mosquitto',
      'brokerwatch alert -- Exists mosquitto',
    ]);
  });

  void test('over its slots, the oldest alerts are folded into one summary; the newest all arrive', LIMIT, async () => {
    const smtp = await SmtpPeer.start({}, cleanup);
    await smtp.stop();
    const dir = await stateDir(cleanup);
    const lines = [
      'set eventqueue slots 5',
      `set mailserver 127.0.0.1 port ${smtp.port}`,
      'set alert ops@example.com not on { instance }',
    ];
    for (let i = 0; i < 12; i++) lines.push(`check process svc${i} with pidfile /run/svc${i}.pid`);
    const config = await rules(lines.join('\n'));
    const daemon = new FakeDaemon();
    const alerts = await startAlerts(daemon, {
      config,
      logger: testLogger().logger,
      stateDir: dir,
      retry: { initialMs: 20, maxMs: 100 },
      closeGraceMs: 0,
      instanceEvents: false,
    });
    cleanup.add(() => alerts.close());
    for (let i = 0; i < 12; i++) daemon.events.publish(crash(`svc${i}`, `svc${i} gone`));
    // All twelve queued (the newest is on disk), in five files: as many as the slots.
    await waitFor(
      async () => {
        const files = await queuedFiles(join(dir, 'events'));
        return (
          files.length === 5 &&
          alerts.queued() === 5 &&
          (await Promise.all(files.map((f) => readLane(dir, f)))).some((t) => t.includes('svc11 gone'))
        );
      },
      { message: 'five queued files, the newest alert among them' },
    );
    await smtp.listen();
    await alerts.flush();
    const services = smtp.mails.map((m) => /^brokerwatch alert -- (.*)$/.exec(m.mail.subject ?? '')?.[1] ?? '');
    // The newest arrive as themselves, last and in order; everything older is in summaries (at most
    // two: the one being sent when the queue filled up, and the one folding the rest).
    assert.deepEqual(services.slice(-3), ['Does not exist svc9', 'Does not exist svc10', 'Does not exist svc11']);
    const folded = smtp.mails.filter((m) => /alerts folded/.test(m.mail.subject ?? ''));
    assert.ok(folded.length >= 1, `a folded summary among ${services.join(' | ')}`);
    const count = (t: string): number => Number(/(\d+) events/.exec(t)?.[1] ?? 1);
    const total = smtp.mails.reduce(
      (n, m) => n + (/alerts folded/.test(m.mail.subject ?? '') ? count(m.mail.text ?? '') : 1),
      0,
    );
    assert.equal(
      total,
      12,
      `every event once, in a mail or a summary: ${smtp.mails.map((m) => `${m.mail.subject ?? ''} [${(m.mail.text ?? '').replace(/\n/g, ' / ')}]`).join(' | ')}`,
    );
    assert.match(folded[0]?.mail.text ?? '', /older alerts folded \(the alert queue was over its slots\)/);
  });

  void test('folding while mails go out: every event exactly once, none folded after it was sent', LIMIT, async () => {
    const smtp = await SmtpPeer.start({}, cleanup);
    const dir = await stateDir(cleanup);
    const lines = [
      'set eventqueue slots 3',
      `set mailserver 127.0.0.1 port ${smtp.port}`,
      'set alert ops@example.com not on { instance }',
    ];
    for (let i = 0; i < 30; i++) lines.push(`check process svc${i} with pidfile /run/svc${i}.pid`);
    const daemon = new FakeDaemon();
    const alerts = await startAlerts(daemon, {
      config: await rules(lines.join('\n')),
      logger: testLogger().logger,
      stateDir: dir,
      retry: { initialMs: 20, maxMs: 100 },
      closeGraceMs: 0,
      instanceEvents: false,
    });
    cleanup.add(() => alerts.close());
    for (let i = 0; i < 30; i++) daemon.events.publish(crash(`svc${i}`, `svc${i} gone`));
    await alerts.flush();
    const seen = smtp.mails.flatMap((m) =>
      [
        ...(m.mail.text ?? '').matchAll(
          /^ {2}(?:Description: |\d\d:\d\d:\d\d )(?:svc\d+ Does not exist \([^)]*\): )?(svc\d+) gone$/gm,
        ),
      ].map((x) => x[1]),
    );
    assert.deepEqual(
      seen,
      Array.from({ length: 30 }, (_, i) => `svc${i}`),
    );
    assert.ok(
      smtp.mails.some((m) => /alerts folded/.test(m.mail.subject ?? '')),
      'some alerts were folded',
    );
  });
});
