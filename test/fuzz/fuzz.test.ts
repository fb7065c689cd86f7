// The fuzzers of fuzz/ in a short pass with a fixed seed, so that every test run replays the same
// cases against the rules loader, the status server, the MQTT probe and the mail channel; and the
// checks they judge by, shown to catch what they are meant to. `npm run fuzz` runs them long.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerProblem } from '../../fuzz/http.js';
import { mustFail, resultProblem, scenario } from '../../fuzz/mqtt.js';
import { Rng } from '../../fuzz/prng.js';
import { diagnosticsProblem } from '../../fuzz/rules.js';
import { runFuzz } from '../../fuzz/runner.js';
import { endingProblem, smtpScenario } from '../../fuzz/smtp.js';
import { TARGETS } from '../../fuzz/targets.js';

/** The seed of every test run, and the cases each target replays (a few seconds each). */
const SEED = 20261203;
const CASES: Readonly<Record<string, number>> = { rules: 80, http: 50, mqtt: 30, smtp: 25 };

void describe('fuzzers, fixed seed', () => {
  for (const target of TARGETS) {
    void test(`${target.name}: ${CASES[target.name]} cases, no finding`, { timeout: 180_000 }, async () => {
      const lines: string[] = [];
      const { stats, findings } = await runFuzz([target], {
        seed: SEED,
        cases: CASES[target.name] ?? 20,
        log: (l) => lines.push(l),
      });
      assert.deepEqual(findings, [], lines.join('\n'));
      assert.equal(stats[0]?.cases, CASES[target.name]);
      // Each target both accepts and rejects some inputs: the generator reaches both sides.
      assert.ok((stats[0]?.accepted ?? 0) > 0, `${target.name}: nothing accepted`);
      assert.ok((stats[0]?.rejected ?? 0) > 0, `${target.name}: nothing rejected`);
    });
  }
});

void describe('what the fuzzers count as a finding', () => {
  void test('rules: a position outside the file, a line break, a refusal without an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brokerwatch-fuzz-test-'));
    try {
      const file = join(dir, 'r.rc');
      await writeFile(file, 'check host x\n  if failed\n');
      const summary = `${file}: 1 error; nothing was started`;
      assert.equal(diagnosticsProblem(false, [`${file}:2:3: expected port`, summary]), undefined);
      assert.equal(diagnosticsProblem(false, [`${file}:3:1: expected port`, summary]), undefined);
      assert.match(diagnosticsProblem(false, [`${file}:2:13: x`, summary]) ?? '', /outside the file/);
      assert.match(diagnosticsProblem(false, [`${file}:9:1: x`, summary]) ?? '', /outside the file/);
      assert.match(diagnosticsProblem(false, [`${file}:1:1: a\nb`, summary]) ?? '', /several lines/);
      assert.match(diagnosticsProblem(false, [`no position`, summary]) ?? '', /without FILE:LINE:COL/);
      assert.match(diagnosticsProblem(false, [`${file}:1:1: warning: w`, summary]) ?? '', /without an error/);
      assert.match(diagnosticsProblem(false, [`${dir}/gone.rc:1:1: x`, summary]) ?? '', /does not exist/);
      const ok = `Control file syntax OK: ${file} (1 service, 1 warning)`;
      assert.match(diagnosticsProblem(true, [`${file}:7:1: warning: w`, 'check host x', ok]) ?? '', /outside/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('http: a 5xx, a stack trace, a path of the code or, in an error, of the machine', () => {
    assert.equal(answerProblem('HTTP/1.1 404 Not Found\r\n\r\n{}', ['/tmp/x']), undefined);
    assert.match(answerProblem('HTTP/1.1 500 Internal\r\n\r\n{}', []) ?? '', /answered 500/);
    assert.match(answerProblem('HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 502 Bad\r\n\r\n', []) ?? '', /answered 502/);
    const trace = 'HTTP/1.1 400 Bad\r\n\r\nError: x\n    at parse (/srv/app/lib/a.js:10:5)\n';
    assert.match(answerProblem(trace, []) ?? '', /stack trace/);
    assert.match(answerProblem('HTTP/1.1 400 Bad\r\n\r\n/tmp/x/rules.rc', ['/tmp/x']) ?? '', /a path/);
    assert.equal(answerProblem('HTTP/1.1 200 OK\r\n\r\n/tmp/x/watched.txt', ['/tmp/x']), undefined);
    const page = 'HTTP/1.1 200 OK\r\n\r\n<code>/tmp/x/b.rc</code>HTTP/1.1 400 Bad\r\n\r\n{}';
    assert.equal(answerProblem(page, ['/tmp/x']), undefined);
    const refused = 'HTTP/1.1 422 Unprocessable\r\n\r\n{"details":["/tmp/x/b.rc:1:1"]}';
    assert.equal(answerProblem(refused, ['/tmp/x'], '/tmp/x/b.rc'), undefined);
  });

  void test('mqtt: an internal error, an unknown class, a pass despite a withheld reply', () => {
    const rng = new Rng(1);
    const s = { ...scenario(rng), mutation: 'stall' as const };
    assert.ok(mustFail(s));
    const failed = { ruleId: 'r', status: 'failed' as const, message: 'm' };
    assert.equal(resultProblem(s, { ...failed, class: 'connect-timeout' }), undefined);
    assert.match(resultProblem(s, { ...failed, class: 'internal' }) ?? '', /internal/);
    assert.match(resultProblem(s, failed) ?? '', /known class/);
    assert.match(resultProblem(s, { ruleId: 'r', status: 'ok', message: 'CONNACK 0' }) ?? '', /passed although/);
    assert.equal(resultProblem({ ...s, mutation: 'split' }, { ruleId: 'r', status: 'ok', message: 'ok' }), undefined);
  });

  void test('smtp: a permanent failure for a temporary problem, a late end, a delivery despite a refusal', () => {
    const s = { ...smtpScenario(new Rng(2)), victim: 'rcpt' as const, mutation: 'code' as const, code: '450' };
    assert.equal(endingProblem(s, 'temporary', 100), undefined);
    assert.match(endingProblem(s, 'permanent', 100) ?? '', /permanent/);
    assert.equal(endingProblem({ ...s, code: '550' }, 'permanent', 100), undefined);
    assert.match(endingProblem(s, 'delivered', 100) ?? '', /delivered although/);
    assert.match(endingProblem(s, 'temporary', s.deadlineMs + 10_000) ?? '', /past its deadline/);
    assert.match(endingProblem(s, 'never', 30_000) ?? '', /never ended/);
  });
});
