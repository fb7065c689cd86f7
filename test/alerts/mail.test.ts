// Alert mails through a real SMTP server: the crash mail and its fields, the recovery, mail-format,
// filters (`on`, `not on`, `noalert`), dedupe across a restart of the alerts, reminders, flapping.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startAlerts } from '../../src/alerts/index.js';
import type { Alerts, AlertsOptions } from '../../src/alerts/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, FakeDaemon, SmtpPeer, crash, recovery, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());
const LIMIT = { timeout: 20_000 };
const FAST = { initialMs: 20, maxMs: 200 };

interface Setup {
  readonly smtp: SmtpPeer;
  readonly daemon: FakeDaemon;
  readonly alerts: Alerts;
  readonly dir: string;
}

async function setup(alertRules: string, extra: Partial<AlertsOptions> = {}): Promise<Setup> {
  const smtp = await SmtpPeer.start({}, cleanup);
  const dir = await stateDir(cleanup);
  const config = await rules(`set mailserver 127.0.0.1 port ${smtp.port}\n${alertRules}`);
  const daemon = new FakeDaemon();
  const { logger } = testLogger();
  const alerts = await startAlerts(daemon, {
    config,
    logger,
    stateDir: dir,
    hostname: 'broker-host',
    retry: FAST,
    closeGraceMs: 0,
    ...extra,
  });
  cleanup.add(() => alerts.close());
  return { smtp, daemon, alerts, dir };
}

const mosquitto = 'check process mosquitto with pidfile /run/mosquitto.pid';

void describe('alert mails', () => {
  void test(
    'a crash: one mail naming host, service, event, class and action, with a stable Message-ID and the web page',
    LIMIT,
    async () => {
      const { smtp, daemon, alerts } = await setup(`set alert ops@example.com not on { instance }\n${mosquitto}`, {
        httpUrl: 'http://127.0.0.1:2812/',
      });
      daemon.events.publish(crash());
      await alerts.flush();
      assert.equal(smtp.mails.length, 1);
      const m = smtp.mails[0];
      assert.ok(m);
      assert.deepEqual(m.to, ['ops@example.com']);
      assert.equal(m.mail.subject, 'brokerwatch alert -- Does not exist mosquitto');
      assert.equal(m.mail.from?.text, 'brokerwatch@broker-host');
      const text = m.mail.text ?? '';
      for (const want of [
        /Service:\s+mosquitto/,
        /Host:\s+broker-host/,
        /Event:\s+Does not exist \(nonexist\)/,
        /State:\s+failed/,
        /Class:\s+process-missing/,
        /Action:\s+restart/,
        /Description:\s+process 4242 \(mosquitto\) is gone/,
        /Status page: http:\/\/127\.0\.0\.1:2812\//,
      ]) {
        assert.match(text, want);
      }
      assert.match(m.mail.messageId ?? '', /^<brokerwatch\.[0-9a-z]+-[0-9a-f]{10}\.[0-9a-f]{16}@broker-host>$/);
      assert.equal(m.mail.headers.get('auto-submitted'), 'auto-generated');
    },
  );

  void test('a refused DATA is retried with the same Message-ID, so a duplicate can be recognised', LIMIT, async () => {
    const { smtp, daemon, alerts } = await setup(`set alert ops@example.com not on { instance }\n${mosquitto}`);
    smtp.rejectNext = 2;
    daemon.events.publish(crash());
    await alerts.flush();
    assert.equal(smtp.refused.length, 2);
    assert.equal(smtp.mails.length, 1);
    const id = smtp.mails[0]?.mail.messageId;
    assert.ok(id);
    assert.deepEqual(smtp.refused, [id, id]);
  });

  void test('the recovery follows as its own mail, in order', LIMIT, async () => {
    const { smtp, daemon, alerts } = await setup(`set alert ops@example.com not on { instance }\n${mosquitto}`);
    daemon.events.publish(crash());
    daemon.events.publish(recovery());
    await alerts.flush();
    assert.deepEqual(smtp.subjects(), [
      'brokerwatch alert -- Does not exist mosquitto',
      'brokerwatch alert -- Exists mosquitto',
    ]);
    assert.match(smtp.mails[1]?.mail.text ?? '', /State:\s+succeeded/);
  });

  void test('mail-format: the global one with monit variables, a recipient`s own subject over it', LIMIT, async () => {
    const { smtp, daemon, alerts } = await setup(
      [
        'set mail-format {',
        '  from: watch@$HOST',
        '  subject: [$SERVICE] $EVENT',
        '  message: $EVENT on $HOST: $DESCRIPTION ($ACTION) at $DATE',
        '}',
        'set alert ops@example.com not on { instance }',
        mosquitto,
        '  alert dev@example.com mail-format { subject: DEV $EVENT $SERVICE }',
      ].join('\n'),
    );
    daemon.events.publish(crash());
    await alerts.flush();
    const byTo = new Map(smtp.mails.map((m) => [m.to[0], m.mail]));
    const ops = byTo.get('ops@example.com');
    assert.equal(ops?.subject, '[mosquitto] Does not exist');
    assert.equal(ops?.from?.text, 'watch@broker-host');
    assert.match(
      ops?.text ?? '',
      /^Does not exist on broker-host: process 4242 \(mosquitto\) is gone \(restart\) at \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d/,
    );
    const dev = byTo.get('dev@example.com');
    assert.equal(dev?.subject, 'DEV Does not exist mosquitto');
    assert.match(dev?.text ?? '', /^Does not exist on broker-host/);
  });

  void test('filters: `on { … }`, `not on { … }` and a service`s `noalert`', LIMIT, async () => {
    const { smtp, daemon, alerts } = await setup(
      [
        'set alert only-nonexist@example.com on { nonexist }',
        'set alert not-nonexist@example.com not on { nonexist, instance }',
        'set alert everyone@example.com not on { instance }',
        mosquitto,
        'check process other with pidfile /run/other.pid',
        '  noalert everyone@example.com',
      ].join('\n'),
    );
    daemon.events.publish(crash());
    daemon.events.publish({
      service: 'mosquitto',
      type: 'connection',
      state: 'failed',
      action: 'alert',
      class: 'port-closed',
      message: 'port 1883 refused',
      time: Date.now(),
    });
    daemon.events.publish(crash('other'));
    await alerts.flush();
    const got = smtp.mails.map((m) => `${m.to.join()} ${m.mail.subject ?? ''}`).sort();
    assert.deepEqual(got, [
      'everyone@example.com brokerwatch alert -- Connection failed mosquitto',
      'everyone@example.com brokerwatch alert -- Does not exist mosquitto',
      'not-nonexist@example.com brokerwatch alert -- Connection failed mosquitto',
      'only-nonexist@example.com brokerwatch alert -- Does not exist mosquitto',
      'only-nonexist@example.com brokerwatch alert -- Does not exist other',
    ]);
  });

  void test('the daemon`s own start and stop are `instance` alerts', LIMIT, async () => {
    const { smtp, alerts } = await setup(`set alert ops@example.com\n${mosquitto}`, { closeGraceMs: 5_000 });
    await alerts.flush();
    await alerts.close();
    assert.deepEqual(smtp.subjects(), [
      'brokerwatch alert -- brokerwatch instance changed broker-host',
      'brokerwatch alert -- brokerwatch instance changed broker-host',
    ]);
    assert.match(smtp.mails[0]?.mail.text ?? '', /brokerwatch started/);
    assert.match(smtp.mails[1]?.mail.text ?? '', /brokerwatch stopped/);
  });

  void test(
    'a failure alerted once is not alerted again after a restart of the alerts; its recovery is',
    LIMIT,
    async () => {
      const s = await setup(`set alert ops@example.com not on { instance }\n${mosquitto}`);
      s.daemon.events.publish(crash());
      await s.alerts.flush();
      await s.alerts.close();
      // The daemon restarted: the state machine re-arms the failed rule and fires it once more.
      const daemon = new FakeDaemon();
      const config = await rules(
        `set mailserver 127.0.0.1 port ${s.smtp.port}\nset alert ops@example.com not on { instance }\n${mosquitto}`,
      );
      const again = await startAlerts(daemon, {
        config,
        logger: testLogger().logger,
        stateDir: s.dir,
        hostname: 'broker-host',
        retry: FAST,
        closeGraceMs: 0,
      });
      cleanup.add(() => again.close());
      daemon.events.publish(crash());
      daemon.events.publish(recovery());
      daemon.events.publish(crash());
      await again.flush();
      assert.deepEqual(s.smtp.subjects(), [
        'brokerwatch alert -- Does not exist mosquitto',
        'brokerwatch alert -- Exists mosquitto',
        'brokerwatch alert -- Does not exist mosquitto',
      ]);
    },
  );

  void test('reminders every N cycles while the failure lasts, none after the recovery', LIMIT, async () => {
    // Reminders run on a fake clock: each is due at an exact virtual time, and an absence is exact too.
    const clock = new FakeClock();
    const { smtp, daemon, alerts } = await setup(
      `set daemon 100 ms\nset alert ops@example.com not on { instance } with reminder on 2 cycles\n${mosquitto}`,
      { clock },
    );
    const sent = async (ms: number): Promise<number> => {
      await clock.advance(ms);
      await alerts.flush();
      return smtp.mails.length;
    };
    daemon.events.publish(crash());
    assert.equal(await sent(0), 1);
    // Looked for once a cycle (100 ms); due 2 cycles after the alert, within half a cycle.
    assert.equal(await sent(199), 1, 'a reminder before 2 cycles');
    assert.equal(await sent(1), 2, 'no reminder after 2 cycles');
    assert.equal(await sent(199), 2, 'a second reminder before 2 more cycles');
    assert.equal(await sent(1), 3, 'no second reminder');
    daemon.events.publish(recovery());
    const n = await sent(0);
    const subjects = smtp.subjects();
    assert.equal(subjects[0], 'brokerwatch alert -- Does not exist mosquitto');
    assert.equal(subjects[1], 'brokerwatch alert -- Does not exist (reminder) mosquitto');
    assert.match(smtp.mails[1]?.mail.text ?? '', /still failing since .*reminder 1/);
    assert.match(smtp.mails[2]?.mail.text ?? '', /reminder 2/);
    assert.equal(subjects.at(-1), 'brokerwatch alert -- Exists mosquitto');
    // Ten more cycles, and no reminder came.
    assert.equal(await sent(1_000), n);
  });

  void test(
    'flapping: from the 4th state change within the window, one summary instead of a mail per change',
    LIMIT,
    async () => {
      const clock = new FakeClock();
      const { smtp, daemon, alerts } = await setup(`set alert ops@example.com not on { instance }\n${mosquitto}`, {
        flapping: { changes: 4, windowMs: 60_000, quietMs: 300 },
        clock,
      });
      for (let i = 0; i < 5; i++) {
        daemon.events.publish(crash('mosquitto', `crash ${i}`));
        daemon.events.publish(recovery('mosquitto', `back ${i}`));
      }
      await alerts.flush();
      // The summary goes out once the service has been quiet for 300 ms, not a millisecond before.
      await clock.advance(299);
      await alerts.flush();
      assert.equal(smtp.mails.length, 3, 'the summary came before the quiet period ended');
      await clock.advance(1);
      await alerts.flush();
      const subjects = smtp.subjects();
      assert.deepEqual(subjects, [
        'brokerwatch alert -- Does not exist mosquitto',
        'brokerwatch alert -- Exists mosquitto',
        'brokerwatch alert -- Does not exist mosquitto',
        'brokerwatch alert -- Flapping mosquitto',
      ]);
      const summary = smtp.mails[3]?.mail.text ?? '';
      assert.match(summary, /7 state changes within \d+ s, folded into this alert; now: Exists: back 4/);
      assert.match(summary, /7 events:/);
    },
  );

  void test(
    'a recipient refused for good (550): not retried, kept in the outbox, told as an event and in the log; later alerts go out',
    LIMIT,
    async () => {
      const smtp = await SmtpPeer.start({}, cleanup);
      const dir = await stateDir(cleanup);
      const config = await rules(
        `set mailserver 127.0.0.1 port ${smtp.port}\nset alert ops@example.com not on { instance }\n${mosquitto}`,
      );
      const daemon = new FakeDaemon();
      const { logger, lines } = testLogger();
      const alerts = await startAlerts(daemon, { config, logger, stateDir: dir, hostname: 'broker-host', retry: FAST });
      cleanup.add(() => alerts.close());
      smtp.refuseRcptNext = 1;
      daemon.events.publish(crash());
      daemon.events.publish(recovery());
      await alerts.flush();
      // The recovery was not held behind the refused crash.
      assert.deepEqual(smtp.subjects(), ['brokerwatch alert -- Exists mosquitto']);
      const told = daemon.events.since(0).filter((e) => e.class === 'alert-rejected');
      assert.equal(told.length, 1);
      const ev = told[0];
      assert.equal(ev?.service, 'broker-host');
      assert.match(
        ev?.message ?? '',
        /^alert \S+ to ops@example\.com \(mosquitto nonexist failed\) not delivered: the mail to ops@example\.com was refused for good: 127\.0\.0\.1:\d+: .*550 5\.1\.1 <ops@example\.com>: no such user; kept in .*\/outbox\/\d{8}T\d{6}Z-[\w-]+\.eml$/,
      );
      const kept = /kept in (\S+)$/.exec(ev?.message ?? '')?.[1] ?? '';
      assert.match(await readFile(kept, 'utf8'), /^Subject: brokerwatch alert -- Does not exist mosquitto$/m);
      const error = lines.find((l) => l.msg === 'alert refused for good by the recipient; not retried');
      assert.equal(error?.level, 50);
      assert.equal(alerts.queued(), 0);
      // Told once, never alerted itself: no mail about the refused mail.
      assert.equal(smtp.mails.length, 1);
    },
  );
});
