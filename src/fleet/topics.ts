// The fleet's topics, written by the daemon (publisher.ts) and read by `brokerwatch fleet`:
//   PREFIX/NAME/status            `online` | `offline`, retained (`offline` is also the last will)
//   PREFIX/NAME/service/SERVICE   the service as the JSON API shows it, retained
//   PREFIX/NAME/events            each event as JSON, not retained
//   PREFIX/$sync/NONCE            `brokerwatch fleet`'s end-of-retained marker, not retained, never a
//                                 daemon (`set fleet` refuses a name starting with `$`)
// A service name is one topic level: `/`, `+`, `#` and `%` in it are %-escaped (the JSON holds the name).

/** What a topic under the prefix is about. */
export type FleetTopic =
  | { readonly kind: 'status'; readonly daemon: string }
  | { readonly kind: 'service'; readonly daemon: string; readonly service: string }
  | { readonly kind: 'events'; readonly daemon: string };

/** A name as one topic level. */
export function topicLevel(name: string): string {
  return name.replace(/[%/+#\0]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function fromLevel(level: string): string {
  try {
    return decodeURIComponent(level);
  } catch {
    return level;
  }
}

export function statusTopic(prefix: string, daemon: string): string {
  return `${prefix}/${topicLevel(daemon)}/status`;
}

export function serviceTopic(prefix: string, daemon: string, service: string): string {
  return `${prefix}/${topicLevel(daemon)}/service/${topicLevel(service)}`;
}

export function eventsTopic(prefix: string, daemon: string): string {
  return `${prefix}/${topicLevel(daemon)}/events`;
}

/** The level under PREFIX that holds no daemon: `brokerwatch fleet` publishes its marker there. */
const SYNC_LEVEL = '$sync';

/** The marker topic of one `brokerwatch fleet` run. */
export function syncTopic(prefix: string, nonce: string): string {
  return `${prefix}/${SYNC_LEVEL}/${nonce}`;
}

/** Reads a topic under PREFIX; undefined for anything else. */
export function parseFleetTopic(prefix: string, topic: string): FleetTopic | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const levels = topic.slice(prefix.length + 1).split('/');
  const [daemon, what, service] = levels;
  if (daemon === undefined || daemon === '' || daemon === SYNC_LEVEL) return undefined;
  const name = fromLevel(daemon);
  if (levels.length === 2 && what === 'status') return { kind: 'status', daemon: name };
  if (levels.length === 2 && what === 'events') return { kind: 'events', daemon: name };
  if (levels.length === 3 && what === 'service' && service !== undefined && service !== '')
    return { kind: 'service', daemon: name, service: fromLevel(service) };
  return undefined;
}
