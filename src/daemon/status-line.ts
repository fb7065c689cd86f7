// The one-line summary systemd shows in `systemctl status` (the notify protocol's STATUS=):
// `3 services: 2 ok, 1 failed (mosquitto)`.
import type { MonitorState, ServiceStatus } from '../state/types.js';

/** What the line reads of a service. */
export interface ServiceLine {
  readonly service: { readonly name: string };
  readonly state: { readonly monitor: MonitorState; readonly status: ServiceStatus };
}

/** Failed services named in the line; more are counted only. */
const NAMED_MAX = 3;

/** `N services: A ok, B failed (x, y), C initializing, D not monitored`; parts with 0 left out. */
export function statusLine(services: readonly ServiceLine[]): string {
  const failed: string[] = [];
  let ok = 0;
  let initializing = 0;
  let unmonitored = 0;
  for (const s of services) {
    if (s.state.monitor === 'not-monitored') unmonitored++;
    else if (s.state.status === 'failed') failed.push(s.service.name);
    else if (s.state.status === 'ok') ok++;
    else initializing++;
  }
  const n = services.length;
  const head = `${n} service${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (ok > 0) parts.push(`${ok} ok`);
  if (failed.length > 0) {
    const named = failed.slice(0, NAMED_MAX).join(', ');
    parts.push(`${failed.length} failed (${named}${failed.length > NAMED_MAX ? ', …' : ''})`);
  }
  if (initializing > 0) parts.push(`${initializing} initializing`);
  if (unmonitored > 0) parts.push(`${unmonitored} not monitored`);
  return parts.length > 0 ? `${head}: ${parts.join(', ')}` : head;
}
