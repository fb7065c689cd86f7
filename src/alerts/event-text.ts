// monit's words for events, so that mails, $EVENT and MONIT_EVENT read as they did under monit
// (monit 5.33 src/event.c, Event_Table: failed, succeeded, changed).
import type { EventType } from '../config/model.js';
import type { EventState } from '../state/events.js';

type Words = readonly [failed: string, succeeded: string, changed: string];

const TABLE: Readonly<Record<EventType, Words>> = {
  // monit says "Action done" for every state; here `changed` is the request, which is not alerted,
  // `succeeded` the action done and `failed` an action that failed.
  action: ['Action failed', 'Action done', 'Action requested'],
  bytein: ['Download bytes exceeded', 'Download bytes ok', 'Download bytes changed'],
  byteout: ['Upload bytes exceeded', 'Upload bytes ok', 'Upload bytes changed'],
  checksum: ['Checksum failed', 'Checksum succeeded', 'Checksum changed'],
  connection: ['Connection failed', 'Connection succeeded', 'Connection changed'],
  content: ['Content failed', 'Content succeeded', 'Content match'],
  data: ['Data access error', 'Data access succeeded', 'Data access changed'],
  exec: ['Execution failed', 'Execution succeeded', 'Execution changed'],
  fsflags: ['Filesystem flags failed', 'Filesystem flags succeeded', 'Filesystem flags changed'],
  gid: ['GID failed', 'GID succeeded', 'GID changed'],
  heartbeat: ['Heartbeat failed', 'Heartbeat succeeded', 'Heartbeat changed'],
  icmp: ['ICMP failed', 'ICMP succeeded', 'ICMP changed'],
  instance: ['brokerwatch instance failed', 'brokerwatch instance succeeded', 'brokerwatch instance changed'],
  invalid: ['Invalid type', 'Type succeeded', 'Type changed'],
  link: ['Link down', 'Link up', 'Link changed'],
  nonexist: ['Does not exist', 'Exists', 'Existence changed'],
  exist: ['Does exist', 'Does not exist', 'Existence changed'],
  packetin: ['Download packets exceeded', 'Download packets ok', 'Download packets changed'],
  packetout: ['Upload packets exceeded', 'Upload packets ok', 'Upload packets changed'],
  permission: ['Permission failed', 'Permission succeeded', 'Permission changed'],
  pid: ['PID failed', 'PID succeeded', 'PID changed'],
  ppid: ['PPID failed', 'PPID succeeded', 'PPID changed'],
  resource: ['Resource limit matched', 'Resource limit succeeded', 'Resource limit changed'],
  saturation: ['Saturation exceeded', 'Saturation ok', 'Saturation changed'],
  size: ['Size failed', 'Size succeeded', 'Size changed'],
  speed: ['Speed failed', 'Speed ok', 'Speed changed'],
  status: ['Status failed', 'Status succeeded', 'Status changed'],
  timeout: ['Timeout', 'Timeout recovery', 'Timeout changed'],
  timestamp: ['Timestamp failed', 'Timestamp succeeded', 'Timestamp changed'],
  uid: ['UID failed', 'UID succeeded', 'UID changed'],
  uptime: ['Uptime failed', 'Uptime succeeded', 'Uptime changed'],
};

const INDEX: Readonly<Record<EventState, 0 | 1 | 2>> = { failed: 0, succeeded: 1, changed: 2 };

/** monit's description of an event: "Does not exist", "Connection succeeded", "PID changed". */
export function describeEvent(type: EventType, state: EventState): string {
  return TABLE[type][INDEX[state]];
}
