// `set pidfile grace N s`: how long a pidfile may be unreadable while its broker runs. It shares
// `set pidfile` with monit's daemon pidfile, told apart by the number after `grace`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';

const SERVICE = 'check process mosquitto with pidfile /run/mosquitto/mosquitto.pid\n';

void test('set pidfile grace: parsed, printed, read back; beside set pidfile PATH', async () => {
  const text = `set pidfile /run/brokerwatch.pid\nset pidfile grace 1.5 seconds\n${SERVICE}`;
  const { config, warnings } = await parseRules(text, 'a.rc');
  assert.deepEqual(warnings.map(formatDiagnostic), []);
  assert.equal(config.pidfile, '/run/brokerwatch.pid');
  assert.equal(config.pidfileGraceMs, 1_500);
  const printed = printConfig(config);
  assert.match(printed, /^set pidfile \/run\/brokerwatch\.pid$/m);
  assert.match(printed, /^set pidfile grace 1500 ms$/m);
  const back = await parseRules(printed, 'b.rc');
  assert.equal(back.config.pidfileGraceMs, 1_500);
  assert.equal(back.config.pidfile, '/run/brokerwatch.pid');
  assert.equal(printConfig(back.config), printed);
});

void test('set pidfile grace: absent means the default; 0 is allowed; a bare number warns; a folder named grace is a path', async () => {
  assert.equal((await parseRules(SERVICE, 'a.rc')).config.pidfileGraceMs, undefined);
  assert.doesNotMatch(printConfig((await parseRules(SERVICE, 'a.rc')).config), /grace/);
  assert.equal((await parseRules(`set pidfile grace 0 s\n${SERVICE}`, 'a.rc')).config.pidfileGraceMs, 0);
  const bare = await parseRules(`set pidfile grace 10\n${SERVICE}`, 'a.rc');
  assert.equal(bare.config.pidfileGraceMs, 10_000);
  assert.match(
    bare.warnings.map(formatDiagnostic).join('\n'),
    /a\.rc:1:19: warning: bare number 10 for the pidfile grace/,
  );
  const path = await parseRules(`set pidfile grace\n${SERVICE}`, 'a.rc');
  assert.equal(path.config.pidfile, 'grace');
  assert.equal(path.config.pidfileGraceMs, undefined);
});

void test('set pidfile grace without a unit word after it is an error with a position', async () => {
  await assert.rejects(parseRules(`set pidfile grace 5 fortnights\n${SERVICE}`, 'a.rc'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.diagnostics.map(formatDiagnostic).join('\n'), /^a\.rc:1:/m);
    return true;
  });
});
