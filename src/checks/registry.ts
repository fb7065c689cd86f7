// The registry: one entry per condition kind, and nothing else decides which check runs.
// Existence (nonexist/exist) of a process is decided by the runner's identity lookup each cycle,
// and `N restarts within M cycles` by the state machine, so neither has a check here.
import type { Condition, Rule, Service } from '../config/model.js';
import { fileCheck } from './file.js';
import { portCheck } from './port.js';
import { changedCheck, resourceCheck, uptimeCheck } from './process.js';
import { statusCheck } from './program.js';
import { sysCheck } from './sys.js';
import type { Check } from './types.js';

type Factory = (cond: Condition, service: Service) => Check | undefined;

const REGISTRY: { readonly [K in Condition['kind']]: Factory } = {
  nonexist: (c, s) => (s.type === 'file' ? fileCheck(c) : undefined),
  exist: (c, s) => (s.type === 'file' ? fileCheck(c) : undefined),
  port: (c, s) => (c.kind === 'port' ? portCheck(c, s) : undefined),
  resource: (c) => (c.kind === 'resource' ? resourceCheck(c) : undefined),
  uptime: (c) => (c.kind === 'uptime' ? uptimeCheck(c) : undefined),
  changed: (c, s) => (c.kind !== 'changed' ? undefined : s.type === 'file' ? fileCheck(c) : s.type === 'program' ? statusCheck(c) : changedCheck(c)),
  restarts: () => undefined,
  status: (c) => (c.kind === 'status' ? statusCheck(c) : undefined),
  timestamp: (c) => fileCheck(c),
  size: (c) => fileCheck(c),
  checksum: (c) => fileCheck(c),
  permission: (c) => fileCheck(c),
  uid: (c) => fileCheck(c),
  gid: (c) => fileCheck(c),
  sys: (c, s) => (c.kind === 'sys' ? sysCheck(c, s) : undefined),
};

/** The check for one rule, or undefined when the runner or the state machine decides it. */
export function createCheck(service: Service, rule: Rule): Check | undefined {
  return REGISTRY[rule.condition.kind](rule.condition, service);
}
