// A mail attempt given up (its deadline passed, the alerts closing) closes its SMTP connection at
// once: nodemailer's close() left it open until its 30 s socket timeout, or for ever with a server
// that dribbles bytes. Found by the SMTP fuzzer (fuzz/smtp.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { channelFor } from '../../src/alerts/channels/registry.js';
import type { Alert } from '../../src/alerts/types.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const alert: Alert = {
  v: 1,
  id: 'abort1',
  lane: 'mail-abort',
  label: 'ops@example.com',
  kind: 'event',
  host: 'broker-host',
  created: Date.now(),
  order: 1,
  event: {
    id: 1,
    service: 'mosquitto',
    type: 'nonexist',
    state: 'failed',
    action: 'restart',
    message: 'gone',
    time: Date.now(),
  },
};

void test('an aborted mail attempt closes its connection at once', { timeout: 20_000 }, async () => {
  // Greets and answers EHLO, then never answers MAIL FROM.
  const open = new Set<Socket>();
  let mailFrom = false;
  const server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      if (/^(EHLO|HELO)/i.test(d.toString())) sock.write('250 stall.example\r\n');
      if (/^MAIL FROM/i.test(d.toString())) mailFrom = true;
    });
    sock.write('220 stall.example ESMTP\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  const config = await rules(
    `set mailserver 127.0.0.1 port ${port} with timeout 5 seconds\nset alert ops@example.com\n`,
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
  await waitFor(() => open.size === 0, {
    timeoutMs: 5_000,
    message: 'the SMTP connection stayed open after the abort',
  });
});
