// Values monit reads as words even when they hold `<`, `=` or `>`: base64 passwords, placeholders,
// passwords with symbols, wherever monit takes a word (httpd's allow, mail servers, MQTT logins);
// operators written after a keyword stay operators.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';

void describe('unquoted values with <, = and >', () => {
  void test('httpd allow and mail server passwords keep them', async () => {
    const r = await parseRules(
      'set httpd port 2812 allow admin:dGVzdA==\n' +
        'set mailserver localhost username u password dGVzdA==, mx2 username a=b PASSWORD <password>, mx3 password s3cr>t\n',
      's.rc',
    );
    assert.deepEqual(r.config.httpd?.allow, [{ kind: 'user', user: 'admin', password: 'dGVzdA==', readOnly: false }]);
    assert.deepEqual(
      r.config.mailServers.map((m) => [m.host, m.username, m.password]),
      [
        ['localhost', 'u', 'dGVzdA=='],
        ['mx2', 'a=b', '<password>'],
        ['mx3', undefined, 's3cr>t'],
      ],
    );
    assert.deepEqual(r.warnings.map(formatDiagnostic), []);
  });

  void test('operators after a keyword stay operators', async () => {
    const r = await parseRules(
      'check process a with pidfile /run/a.pid\n  start "/a"\n  if cpu > 80% then alert\n  if cpu>90% then alert\n' +
        '  if totalmem >= 10 MB then alert\n' +
        'check program p with path "/bin/true"\n  if status != 0 then alert\n' +
        'check file f with path /tmp/a=b\n  if size > 10 MB then alert\n',
      's.rc',
    );
    const ops = r.config.services.flatMap((s) =>
      s.rules.filter((x) => !x.implicit).map((x) => ('op' in x.condition ? x.condition.op : '?')),
    );
    assert.deepEqual(ops, ['>', '>', '>=', '!=', '>']);
    assert.equal(r.config.services[2]?.path, '/tmp/a=b');
  });
});
