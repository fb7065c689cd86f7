// What a daemon child tells the launcher over the IPC channel: ready (listening, pidfile written)
// or failed, with the reason, so the launcher can exit 0 or 1 like an init script.

/** A message from the daemon child to its launcher. */
export type BrokerMessage =
  { readonly type: 'ready'; readonly pid: number } | { readonly type: 'failed'; readonly message: string };

/** Narrows an IPC message, which arrives as unknown JSON. */
export function isBrokerMessage(value: unknown): value is BrokerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, pid, message } = value as Record<string, unknown>;
  return (type === 'ready' && typeof pid === 'number') || (type === 'failed' && typeof message === 'string');
}

/** Sends to the launcher if there is one (a plain `--foreground` run has no channel). */
export function tellLauncher(message: BrokerMessage): void {
  if (process.send === undefined || !process.connected) return;
  process.send(message);
}
