// The alerts in a child process, to be killed with SIGKILL by durable.test.ts: it reads rules from
// BW_ALERTS_RULES, keeps its queue in BW_ALERTS_STATE, and publishes the event drafts the parent
// sends over IPC. Does nothing unless started that way (the test runner loads every file here).
import pino from 'pino';
import { startAlerts } from '../../src/alerts/index.js';
import { parseRules } from '../../src/config/loader.js';
import { EventBus } from '../../src/daemon/event-bus.js';
import type { EventDraft } from '../../src/state/types.js';

if (process.env.BW_ALERTS_CHILD === '1' && process.send) {
  const config = (await parseRules(process.env.BW_ALERTS_RULES ?? '', 'child.rc')).config;
  const events = new EventBus();
  await startAlerts(
    { events },
    {
      config,
      logger: pino({ level: 'silent' }),
      stateDir: process.env.BW_ALERTS_STATE ?? '.',
      retry: { initialMs: 20, maxMs: 100 },
      flapping: false,
      instanceEvents: false,
    },
  );
  process.on('message', (m: { draft: EventDraft }) => events.publish(m.draft));
  process.send('ready');
}
