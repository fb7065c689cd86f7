// Events read back from disk (the state file's recent events, the alert queue, ledger and flap
// files): a saved event comes back field for field; a truncated or hand-edited one is dropped whole,
// except an unknown failure class, which only loses the class.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceEvent } from '../../src/state/events.js';
import { parseEvent } from '../../src/state/events.js';

const saved: ServiceEvent = {
  id: 7,
  service: 'mosquitto',
  type: 'connection',
  state: 'failed',
  action: 'restart',
  class: 'port-closed',
  message: 'port 1883 refused the connection',
  time: Date.UTC(2026, 0, 1),
};

/** EVENT as it comes back from its JSON file. */
const fromDisk = (event: object): unknown => JSON.parse(JSON.stringify(event));

/** The saved event with FIELDS replaced (undefined: the field is missing from the file). */
const edited = (fields: Record<string, unknown>): unknown => fromDisk({ ...saved, ...fields });

void describe('an event read back from disk', () => {
  void test('comes back with every field, its failure class included', () => {
    assert.deepEqual(parseEvent(fromDisk(saved)), saved);
  });

  void test('every state and every action of an event is read back', () => {
    for (const state of ['failed', 'succeeded', 'changed'] as const)
      assert.deepEqual(parseEvent(edited({ state })), { ...saved, state });
    const actions = ['alert', 'restart', 'start', 'stop', 'unmonitor', 'monitor', 'exec', 'reboot', 'none'] as const;
    for (const action of actions) assert.deepEqual(parseEvent(edited({ action })), { ...saved, action });
  });

  void test('an unknown failure class is dropped, the event kept; no class is no class', () => {
    const e = parseEvent(edited({ class: 'gremlins' }));
    const rest: Omit<ServiceEvent, 'class'> = { ...saved };
    delete (rest as { class?: string }).class;
    assert.deepEqual(e, rest);
    assert.equal(e !== undefined && 'class' in e, false);
    assert.deepEqual(parseEvent(fromDisk(rest)), rest);
  });

  void test('an unknown event type, state or action drops the event', () => {
    assert.equal(parseEvent(edited({ type: 'weather' })), undefined);
    assert.equal(parseEvent(edited({ state: 'ok' })), undefined);
    assert.equal(parseEvent(edited({ action: 'explode' })), undefined);
    assert.equal(parseEvent(edited({ type: 7 })), undefined);
    assert.equal(parseEvent(edited({ state: ['failed'] })), undefined);
  });

  void test('a missing field drops the event', () => {
    for (const field of ['id', 'service', 'type', 'state', 'action', 'message', 'time'])
      assert.equal(parseEvent(edited({ [field]: undefined })), undefined, `without ${field}`);
  });

  void test('a field of the wrong kind drops the event', () => {
    const wrong: Record<string, unknown>[] = [
      { id: '7' },
      { id: 7.5 },
      { id: 2 ** 53 },
      { service: 7 },
      { message: null },
      { message: 42 },
      { time: String(saved.time) },
      { time: null },
    ];
    for (const fields of wrong) assert.equal(parseEvent(edited(fields)), undefined, JSON.stringify(fields));
  });

  void test('a time a date cannot hold drops the event; the extremes it can hold are kept', () => {
    const max = 8.64e15;
    assert.equal(new Date(max).toISOString(), '+275760-09-13T00:00:00.000Z');
    assert.deepEqual(parseEvent(edited({ time: max })), { ...saved, time: max });
    assert.deepEqual(parseEvent(edited({ time: -max })), { ...saved, time: -max });
    assert.equal(parseEvent(edited({ time: max + 1 })), undefined);
    assert.equal(parseEvent(edited({ time: -max - 1 })), undefined);
    assert.equal(parseEvent({ ...saved, time: Number.NaN }), undefined);
    assert.equal(parseEvent({ ...saved, time: Number.POSITIVE_INFINITY }), undefined);
  });

  void test('what is not an event object is no event', () => {
    for (const v of [undefined, null, 7, 'event', [saved], []]) assert.equal(parseEvent(v), undefined);
  });
});
