// `if N restarts within M cycles`: the state machine decides it from its own restart record, so
// the kind has no check (test/state/restart.test.ts covers the decision).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCheck, loadChecks } from '../../src/checks/registry.js';
import { serviceOf } from './fixtures.js';

void test('no check is made for it', async () => {
  const { svc, r } = serviceOf('process', { kind: 'restarts', count: 2, cycles: 5 });
  await loadChecks({ services: [svc] });
  assert.equal(createCheck(svc, r), undefined);
});
