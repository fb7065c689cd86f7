import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseEnv, formatMonitDate, programEnv, SAFE_PATH } from '../../src/actions/env.js';

void describe('programEnv', () => {
  const date = new Date(2021, 1, 7, 17, 22, 9); // local time, as monit's MONIT_DATE

  void test('service, event, description, date and host, each with a BROKERWATCH_ twin', () => {
    const env = programEnv({ service: 'mosquitto', event: 'Started', description: 'Started', date, host: 'b1' });
    assert.deepEqual(env, {
      PATH: SAFE_PATH,
      MONIT_SERVICE: 'mosquitto',
      BROKERWATCH_SERVICE: 'mosquitto',
      MONIT_EVENT: 'Started',
      BROKERWATCH_EVENT: 'Started',
      MONIT_DESCRIPTION: 'Started',
      BROKERWATCH_DESCRIPTION: 'Started',
      MONIT_DATE: 'Sun, 07 Feb 2021 17:22:09',
      BROKERWATCH_DATE: 'Sun, 07 Feb 2021 17:22:09',
      MONIT_HOST: 'b1',
      BROKERWATCH_HOST: 'b1',
    });
  });

  void test('process variables in monit formats: memory in kB, CPU with one decimal, PID 0 when down', () => {
    const up = programEnv({
      service: 's',
      event: 'e',
      description: 'd',
      process: { pid: 77, memoryBytes: 10 * 1024 + 1000, children: 3, cpuPercent: 12 },
    });
    assert.equal(up.MONIT_PROCESS_PID, '77');
    assert.equal(up.MONIT_PROCESS_MEMORY, '10');
    assert.equal(up.MONIT_PROCESS_CHILDREN, '3');
    assert.equal(up.MONIT_PROCESS_CPU_PERCENT, '12.0');
    assert.equal(up.BROKERWATCH_PROCESS_CPU_PERCENT, '12.0');
    const down = programEnv({ service: 's', event: 'e', description: 'd', process: {} });
    assert.equal(down.MONIT_PROCESS_PID, '0');
    assert.equal(down.MONIT_PROCESS_MEMORY, '0');
    assert.equal(down.MONIT_PROCESS_CPU_PERCENT, '0.0');
  });

  void test('program status only for program services; no process variables otherwise', () => {
    const env = programEnv({ service: 's', event: 'Status failed', description: 'd', programStatus: 2 });
    assert.equal(env.MONIT_PROGRAM_STATUS, '2');
    assert.equal(env.BROKERWATCH_PROGRAM_STATUS, '2');
    assert.equal(env.MONIT_PROCESS_PID, undefined);
  });

  void test('NUL bytes, which an environment cannot carry, are dropped', () => {
    const env = programEnv({ service: 's', event: 'e', description: 'a\0b' });
    assert.equal(env.MONIT_DESCRIPTION, 'ab');
  });

  void test('the base environment is a PATH and nothing else', () => {
    assert.deepEqual(baseEnv(), { PATH: SAFE_PATH });
  });

  void test('formatMonitDate pads day and time', () => {
    assert.equal(formatMonitDate(new Date(2024, 11, 1, 3, 4, 5)), 'Sun, 01 Dec 2024 03:04:05');
  });
});
