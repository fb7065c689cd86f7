// A mail attempt given up (its deadline passed, the alerts closing) closes its SMTP connection at
// once: nodemailer's close() left it open until its 30 s socket timeout, or for ever with a server
// that dribbles bytes. Found by the SMTP fuzzer (fuzz/smtp.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { channelFor } from '../../src/alerts/channels/registry.js';
import { waitFor } from '../helpers/wait.js';
import { tcpPeer } from '../checks/fixtures.js';
import { Cleanup, mailAlert, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const alert = mailAlert('abort1', 'mail-abort');

void test('an aborted mail attempt closes its connection at once', { timeout: 20_000 }, async () => {
  // Greets and answers EHLO, then never answers MAIL FROM.
  let mailFrom = false;
  const peer = await tcpPeer((sock) => {
    sock.on('data', (d: Buffer) => {
      if (/^(EHLO|HELO)/i.test(d.toString())) sock.write('250 stall.example\r\n');
      if (/^MAIL FROM/i.test(d.toString())) mailFrom = true;
    });
    sock.write('220 stall.example ESMTP\r\n');
  });
  cleanup.add(() => peer.close());
  const config = await rules(
    `set mailserver 127.0.0.1 port ${peer.port} with timeout 5 seconds\nset alert ops@example.com\n`,
  );
  const target = config.alerts[0]?.target;
  assert.ok(target);
  const env = { config, host: 'broker-host', stateDir: await stateDir(cleanup), logger: testLogger().logger };
  const ac = new AbortController();
  const sending = channelFor(target, env).send(alert, ac.signal);
  // Once MAIL FROM waits for its answer, the attempt is given up.
  await waitFor(() => mailFrom, { message: 'MAIL FROM never came' });
  ac.abort(new Error('attempt deadline'));
  await assert.rejects(sending);
  await waitFor(() => peer.live() === 0, {
    timeoutMs: 5_000,
    message: 'the SMTP connection stayed open after the abort',
  });
});
