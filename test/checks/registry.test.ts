// The check registry decides which check runs for a rule, by condition kind and service type:
// existence and restart counts are decided elsewhere (no check), `changed` means a file value, an
// exit status or a process id depending on what the service checks.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { docsRow } from '../../src/checks/kind.js';
import { createCheck, loadChecks } from '../../src/checks/registry.js';
import { parseRules } from '../../src/config/loader.js';
import { parseService, ruleOf } from './parsed.js';

void describe('createCheck', () => {
  // First in this file: no test before it has loaded the ping check.
  void test('a check is made only once its kind is loaded; asking before is an error that says so', async () => {
    const { config } = await parseRules('check host h with address 127.0.0.1\n  if failed ping then alert\n');
    const service = config.services[0];
    const rule = service?.rules.find((r) => r.condition.kind === 'ping');
    assert.ok(service && rule);
    assert.throws(
      () => createCheck(service, rule),
      /^Error: the 'ping' check is not loaded: await loadChecks\(config\) first$/,
    );
    await loadChecks(config);
    assert.equal(typeof createCheck(service, rule)?.run, 'function');
  });

  void test('a process service: existence judges the lookup, `N restarts within M cycles` has no check', async () => {
    const s = await parseService(
      'check process p with pidfile /run/p.pid\n  start program = "/bin/true"\n  if does not exist then restart\n  if 3 restarts within 5 cycles then unmonitor\n',
    );
    assert.equal(s.rules.length, 2);
    const [exist, restarts] = s.rules;
    assert.ok(exist && restarts);
    assert.equal(createCheck(s, restarts), undefined, "restart counts are the state machine's");
    const r = ruleOf(s);
    assert.equal(
      await r.check.run({ service: s, rule: exist, signal: new AbortController().signal, memo: new Map(), now: 0 }),
      undefined,
      'no lookup (an action runs): no sample',
    );
    const missing = await r.cycle({ process: { running: false, class: 'process-missing', message: 'no pidfile' } });
    assert.deepEqual([missing.status, missing.class], ['failed', 'process-missing']);
  });

  void test('`changed` on a program reads the exit status; on a process, the pid', async () => {
    const program = ruleOf(
      await parseService('check program p with path "/bin/true"\n  if changed status then alert\n'),
    );
    assert.equal((await program.cycle({ programStatus: 0 })).status, 'ok');
    const changed = await program.cycle({ programStatus: 1 });
    assert.equal(changed.status, 'failed');
    assert.equal(changed.class, 'program-status');

    const proc = ruleOf(await parseService('check process p with pidfile /run/p.pid\n  if changed pid then alert\n'));
    assert.equal((await proc.cycle({ pid: process.pid })).status, 'ok');
    const moved = await proc.cycle({ pid: process.ppid });
    assert.equal(moved.status, 'failed');
    assert.match(moved.message, /^pid changed/);
  });

  void test('existence on a file service is a file check', async () => {
    const r = ruleOf(
      await parseService('check file f with path /nonexistent/brokerwatch-file\n  if does not exist then alert\n'),
    );
    const res = await r.cycle();
    assert.equal(res.status, 'failed');
    assert.equal(res.class, 'file');
  });

  void test('port and $SYS rules get a check of their own; nothing is connected until it runs', async () => {
    const s = await parseService(
      'check host b with address 127.0.0.1\n  if failed port 1883 protocol mqtt then alert\n  if sys uptime reset host 127.0.0.1 port 1883 then alert\n',
    );
    assert.deepEqual(
      s.rules.map((r) => r.condition.kind),
      ['port', 'sys'],
    );
    for (const rule of s.rules) {
      const check = createCheck(s, rule);
      assert.equal(typeof check?.run, 'function', rule.condition.kind);
      check?.close?.();
    }
  });
});

void test("a kind's docs row: its four cells, as README.md's table holds them", () => {
  assert.equal(
    docsRow({ syntax: '`if x`', services: 'process', meaning: 'means', example: '`if x then alert`' }),
    '| `if x` | process | means | `if x then alert` |',
  );
});
