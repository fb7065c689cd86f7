// The status API keeps a service's DTO and the serialized status while nothing they are built from
// has changed, and builds them again as soon as anything has: a new state, new results, another
// /proc sample, the process a second older, the scrubber of reloaded rules, a service gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../../src/checks/result.js';
import { parseRules } from '../../src/config/loader.js';
import type { RunnerStatus } from '../../src/daemon/service-runner.js';
import type { DaemonDto, DtoContext, ServiceDto, StatusDto } from '../../src/http/dto.js';
import { serviceDto } from '../../src/http/dto.js';
import { Scrubber } from '../../src/http/secrets.js';
import type { ProcessSample } from '../../src/http/resource-sampler.js';
import { StatusMemo } from '../../src/http/status-memo.js';
import { identify } from '../../src/process/identity.js';
import { initialState } from '../../src/state/index.js';

async function runnerStatus(): Promise<RunnerStatus> {
  const { config } = await parseRules(
    [
      'check process mosquitto with pidfile /run/m.pid',
      '  if failed port 1883 protocol mqtt then restart',
      '  if cpu > 90 % then alert',
      '',
    ].join('\n'),
  );
  const service = config.services[0];
  assert.ok(service);
  const identity = await identify(process.pid);
  assert.ok(identity);
  return { service, state: initialState(service, 1_000), identity, lastResults: [] };
}

const sample = (cpuPercent: number): ProcessSample =>
  ({ pid: process.pid, cpuPercent, memoryBytes: 1 << 20, memoryPercent: 1 }) as unknown as ProcessSample;

const daemon: DaemonDto = {
  name: 'brokerwatch',
  version: '0',
  pid: 1,
  host: 'h',
  startedAt: 0,
  uptimeSeconds: 5,
  rulesFile: '/etc/bw.rc',
  cycleSeconds: 1,
};

void test('a service DTO is kept while its inputs are the same objects, and built again when one changes', async () => {
  const memo = new StatusMemo();
  let usage = sample(3);
  const ctx: DtoContext = { scrubber: new Scrubber(['s3cret-value']), usage: () => usage };
  const st = await runnerStatus();

  const first = memo.service(st, ctx);
  assert.deepEqual(first, serviceDto(st, ctx));
  assert.equal(first.cpuPercent, 3);
  // A new RunnerStatus object holding the same parts: the same DTO object.
  assert.equal(memo.service({ ...st }, ctx), first);

  const failed: CheckResult[] = [
    { ruleId: 'r1', status: 'failed', message: 'refused by s3cret-value', class: 'port-closed' },
  ] as unknown as CheckResult[];
  const withResults = memo.service({ ...st, lastResults: failed }, ctx);
  assert.notEqual(withResults, first);
  assert.equal(withResults.checks.find((c) => c.rule === 'r1')?.message, 'refused by ********');

  usage = sample(42);
  const resampled = memo.service({ ...st, lastResults: failed }, ctx);
  assert.equal(resampled.cpuPercent, 42);

  const state = { ...st.state, restartCount: 7 };
  assert.equal(memo.service({ ...st, lastResults: failed, state }, ctx).restarts, 7);
  const reloaded = memo.service({ ...st, lastResults: failed, state }, { ...ctx, scrubber: new Scrubber([]) });
  assert.equal(reloaded.checks.find((c) => c.rule === 'r1')?.message, 'refused by s3cret-value');
  assert.equal(memo.service({ ...st, lastResults: failed, state, actionRunning: 'restart' }, ctx).action, 'restart');
});

void test('the age of the process is never older than a second', async (t) => {
  const memo = new StatusMemo();
  const ctx: DtoContext = { scrubber: new Scrubber([]) };
  const st = await runnerStatus();
  const t0 = Date.now();
  t.mock.timers.enable({ apis: ['Date'], now: t0 });
  const before = memo.service(st, ctx).uptimeSeconds;
  assert.equal(typeof before, 'number');
  t.mock.timers.tick(1_000);
  assert.equal(memo.service(st, ctx).uptimeSeconds, (before ?? 0) + 1);
});

void test('the serialized status is the same text until a part of it is a new object', () => {
  const memo = new StatusMemo();
  const services = [{ name: 'a' }, { name: 'b' }] as unknown as ServiceDto[];
  let serialized = 0;
  const serialize = (s: StatusDto): string => {
    serialized++;
    return JSON.stringify(s);
  };
  const text = memo.json({ daemon, services }, serialize);
  assert.equal(memo.json({ daemon: { ...daemon }, services: [...services] }, serialize), text);
  assert.equal(serialized, 1);

  const older = memo.json({ daemon: { ...daemon, uptimeSeconds: 6 }, services }, serialize);
  assert.match(older, /"uptimeSeconds":6/);
  const changed = memo.json(
    { daemon: { ...daemon, uptimeSeconds: 6 }, services: [services[0]!, { name: 'c' }] as ServiceDto[] },
    serialize,
  );
  assert.match(changed, /"name":"c"/);
  const fewer = memo.json({ daemon: { ...daemon, uptimeSeconds: 6 }, services: [services[0]!] }, serialize);
  assert.doesNotMatch(fewer, /"name":"c"/);
  assert.equal(serialized, 4);
});

void test('services gone from the rules are forgotten', async () => {
  const memo = new StatusMemo();
  const ctx: DtoContext = { scrubber: new Scrubber([]) };
  const st = await runnerStatus();
  const kept = memo.service(st, ctx);
  memo.keepOnly([{ service: { name: 'mosquitto' } }]);
  assert.equal(memo.service(st, ctx), kept);
  memo.keepOnly([]);
  assert.notEqual(memo.service(st, ctx), kept);
});
