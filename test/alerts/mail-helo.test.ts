// `set mailserver HOST using hostname NAME`: monit's name for its EHLO/HELO greeting. A real SMTP
// server records the name it was greeted with; without the option it is this machine's name.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAlerts } from '../../src/alerts/index.js';
import { Cleanup, FakeDaemon, SmtpPeer, crash, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());
const LIMIT = { timeout: 20_000 };

/** Sends one crash alert through a mail server written as `set mailserver 127.0.0.1 port N EXTRA`. */
async function greetingFor(extra: string): Promise<string | undefined> {
  const smtp = await SmtpPeer.start({}, cleanup);
  const config = await rules(
    `set mailserver 127.0.0.1 port ${smtp.port}${extra}\nset alert ops@example.com not on { instance }\n` +
      'check process mosquitto with pidfile /run/mosquitto.pid\n',
  );
  const daemon = new FakeDaemon();
  const alerts = await startAlerts(daemon, {
    config,
    logger: testLogger().logger,
    stateDir: await stateDir(cleanup),
    hostname: 'broker-host',
    retry: { initialMs: 20, maxMs: 200 },
    closeGraceMs: 0,
  });
  cleanup.add(() => alerts.close());
  daemon.events.publish(crash());
  await alerts.flush();
  assert.equal(smtp.mails.length, 1);
  return smtp.mails[0]?.helo;
}

void describe('set mailserver … using hostname', () => {
  void test('the EHLO name is the one written', LIMIT, async () => {
    assert.equal(await greetingFor(' using hostname mail-client.example.com'), 'mail-client.example.com');
  });

  void test("without it, the EHLO name is this machine's name", LIMIT, async () => {
    assert.equal(await greetingFor(''), 'broker-host');
  });
});
