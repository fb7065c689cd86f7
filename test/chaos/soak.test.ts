// The chaos soak (bench/chaos), short: a minute of seeded faults against a real mosquitto supervised by
// the real brokerwatch process, alerts to a real SMTP server; every invariant of its report must
// hold. Before it, the alert audit the soak relies on is shown to catch what it is meant to catch,
// on mails written by brokerwatch's own mail text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertVars, defaultBody } from '../../src/alerts/alert-text.js';
import type { Alert, AlertEvent } from '../../src/alerts/types.js';
import type { LoggedEvent } from '../../bench/chaos/alerts-audit.js';
import { auditAlerts } from '../../bench/chaos/alerts-audit.js';
import { printReport } from '../../bench/chaos/report.js';
import { runSoak } from '../../bench/chaos/run.js';
import type { SeenMail } from '../../bench/chaos/smtp.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function ev(index: number, type: AlertEvent['type'], state: AlertEvent['state'], message: string): LoggedEvent {
  return {
    index,
    id: index + 1,
    service: 'mosquitto',
    type,
    state,
    action: 'restart',
    message,
    time: T0 + index * 1000,
  };
}

function mail(id: string, kind: Alert['kind'], events: readonly LoggedEvent[]): SeenMail {
  const last = events.at(-1);
  if (!last) throw new Error('a mail stands for one event at least');
  const alert: Alert = {
    v: 1,
    id,
    lane: '0123456789abcdef',
    label: 'ops@example.com',
    kind,
    host: 'test-host',
    created: last.time,
    order: last.time * 1000,
    event: last,
    ...(kind === 'flapping'
      ? { summary: { count: events.length, events, from: events[0]?.time ?? 0, to: last.time } }
      : {}),
  };
  return {
    at: last.time + 10,
    messageId: `<brokerwatch.${id}@test-host>`,
    event: `${kind} ${last.service} ${last.type} ${last.state}`,
    subject: '',
    text: defaultBody(alert, alertVars(alert)),
    outcome: 'accepted',
  };
}

const crash = ev(0, 'nonexist', 'failed', 'process 4242 (mosquitto) is gone');
const back = ev(1, 'nonexist', 'succeeded', 'process 4343 is running');

void test('the alert audit: each event once, in order, passes', () => {
  const a = auditAlerts([crash, back], [mail('a1', 'event', [crash]), mail('a2', 'event', [back])]);
  assert.deepEqual(a.violations, []);
  assert.equal(a.covered, 2);
});

void test('the alert audit: an event without a mail is missing', () => {
  const a = auditAlerts([crash, back], [mail('a1', 'event', [crash])]);
  assert.equal(a.violations.length, 1);
  assert.match(a.violations[0] ?? '', /no mail for event 1/);
});

void test('the alert audit: one event mailed twice under two Message-IDs is a violation; under one, allowed', () => {
  const twice = auditAlerts([crash], [mail('a1', 'event', [crash]), mail('a9', 'event', [crash])]);
  assert.match(twice.violations.join('\n'), /stands for no logged event/);
  const again = auditAlerts([crash], [mail('a1', 'event', [crash]), mail('a1', 'event', [crash])]);
  assert.deepEqual(again.violations, []);
  assert.equal(again.sameIdRepeats, 1);
});

void test('the alert audit: mails out of event order are a violation', () => {
  const a = auditAlerts([crash, back], [mail('a2', 'event', [back]), mail('a1', 'event', [crash])]);
  assert.match(a.violations.join('\n'), /out of order/);
});

void test('the alert audit: a failure re-armed after a restart is not alerted again', () => {
  const rearmed = ev(1, 'nonexist', 'failed', 'process 4242 (mosquitto) is gone');
  const quiet = auditAlerts([crash, rearmed], [mail('a1', 'event', [crash])]);
  assert.deepEqual(quiet.violations, []);
  assert.equal(quiet.deduped, 1);
  const loud = auditAlerts([crash, rearmed], [mail('a1', 'event', [crash]), mail('a2', 'event', [rearmed])]);
  assert.match(loud.violations.join('\n'), /alerted twice/);
});

void test('the alert audit: a flapping summary stands for each event it lists', () => {
  const events = [crash, back, ev(2, 'nonexist', 'failed', 'process 4343 (mosquitto) is gone')];
  const a = auditAlerts(events, [mail('s1', 'flapping', events)]);
  assert.deepEqual(a.violations, []);
  assert.equal(a.covered, 3);
  assert.equal(a.summaries, 1);
});

void test('a minute of chaos: every invariant holds', { timeout: 360_000 }, async (t) => {
  const lines: string[] = [];
  const report = await runSoak({ seconds: 60, seed: 20261203, log: (l) => lines.push(l) });
  const violations = report.invariants.flatMap((i) => i.violations.map((v) => `${i.name}: ${v}`));
  if (!report.ok) printReport(report);
  assert.deepEqual(violations, [], lines.join('\n'));
  assert.ok(report.runs.length >= 5, `only ${report.runs.length} broker faults`);
  assert.ok(report.side.length >= 2, `only ${report.side.length} other faults`);
  assert.ok(report.samples > 600, `only ${report.samples} samples of /proc`);
  assert.ok(report.audit.events > 0, 'no alerted event');
  t.diagnostic(
    `${report.runs.length} broker faults, ${report.side.length} others, ${report.audit.events} events alerted, ${report.samples} samples`,
  );
});
