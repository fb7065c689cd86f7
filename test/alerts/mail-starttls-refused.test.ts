// A mail server without `using` that offers STARTTLS and then refuses it (454): with a username and
// password in the rules, nothing more is said in clear text (no AUTH, no MAIL FROM) and the alert
// waits for a later attempt; without credentials the mail goes on in clear text, as monit sends it.
// nodemailer's opportunistic mode went on in clear text and, having skipped the server's AUTH
// capability, sent the mail without logging in. Found by the SMTP fuzzer (fuzz/smtp.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { channelFor } from '../../src/alerts/channels/registry.js';
import { tcpPeer } from '../checks/fixtures.js';
import { Cleanup, mailAlert, rules, stateDir, testLogger } from './fixtures.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const alert = mailAlert('starttls1', 'mail-starttls');

/** An SMTP server that offers STARTTLS and AUTH, refuses STARTTLS, and records every command. */
async function refusingServer(): Promise<{ port: number; commands: string[] }> {
  const commands: string[] = [];
  const peer = await tcpPeer((sock) => {
    let buf = '';
    let data = false;
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data) {
          if (line === '.') {
            data = false;
            sock.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        commands.push(line.split(' ')[0]?.toUpperCase() ?? '');
        sock.write(reply(line));
        if (/^DATA$/i.test(line)) data = true;
        if (/^QUIT$/i.test(line)) sock.end();
      }
    });
    sock.write('220 relay.example ESMTP\r\n');
  });
  cleanup.add(() => peer.close());
  return { port: peer.port, commands };
}

function reply(line: string): string {
  const verb = line.split(' ')[0]?.toUpperCase();
  if (verb === 'EHLO') return '250-relay.example\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n';
  if (verb === 'STARTTLS') return '454 4.7.0 TLS not available due to temporary reason\r\n';
  if (verb === 'AUTH') return '235 2.7.0 Authentication successful\r\n';
  if (verb === 'DATA') return '354 go ahead\r\n';
  if (verb === 'QUIT') return '221 bye\r\n';
  return '250 ok\r\n';
}

async function sendThrough(port: number, credentials: string): Promise<unknown> {
  const config = await rules(
    `set mailserver 127.0.0.1 port ${port} ${credentials} with timeout 5 seconds\nset alert ops@example.com\n`,
  );
  const target = config.alerts[0]?.target;
  assert.ok(target);
  const env = { config, host: 'broker-host', stateDir: await stateDir(cleanup), logger: testLogger().logger };
  return channelFor(target, env).send(alert, new AbortController().signal);
}

void test('a refused STARTTLS: the password is never sent in clear text, the mail waits', async () => {
  const server = await refusingServer();
  await assert.rejects(sendThrough(server.port, 'username "bw" password "s3cret"'), /STARTTLS/);
  assert.deepEqual(server.commands.slice(0, 2), ['EHLO', 'STARTTLS']);
  assert.ok(!server.commands.includes('AUTH'), `sent: ${server.commands.join(' ')}`);
  assert.ok(!server.commands.includes('MAIL'), `sent: ${server.commands.join(' ')}`);
});

void test('a refused STARTTLS without credentials: the mail goes on in clear text, as monit sends it', async () => {
  const server = await refusingServer();
  await sendThrough(server.port, '');
  assert.deepEqual(
    server.commands.filter((c) => c !== 'QUIT'),
    ['EHLO', 'STARTTLS', 'MAIL', 'RCPT', 'DATA'],
  );
});
