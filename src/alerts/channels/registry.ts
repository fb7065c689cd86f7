// The channel registry: one line per kind of alert target, and nothing else knows the kinds. Each
// line names the channel's syntax (grammar, printer, naming, secrets, docs) statically and its
// sender lazily, so the rules front end loads no delivery code. The order is the grammar's.
import type { Alert, Channel, ChannelEnv } from '../types.js';
import type { ChannelEntry, ChannelSyntax, Send, Target } from './contract.js';
import { alertmanagerSyntax } from './alertmanager/syntax.js';
import { execSyntax } from './exec/syntax.js';
import { mailSyntax } from './mail/syntax.js';
import { mqttSyntax } from './mqtt/syntax.js';
import { webhookSyntax } from './webhook/syntax.js';

/** Every channel, in the order the parser tries them and the "expected …" error lists them. */
export const CHANNELS = [
  channel(mailSyntax, () => import('./mail/send.js')),
  channel(webhookSyntax, () => import('./webhook/send.js')),
  channel(mqttSyntax, () => import('./mqtt/send.js')),
  channel(execSyntax, () => import('./exec/send.js')),
  channel(alertmanagerSyntax, () => import('./alertmanager/send.js')),
] as const;

/** One registry line: the sender must take the syntax's own target. */
function channel<T extends Target>(
  syntax: ChannelSyntax<T>,
  load: () => Promise<{ readonly send: Send<NoInfer<T>> }>,
): ChannelEntry<T> {
  return { syntax, load };
}

type TargetOf<E> = E extends ChannelEntry<infer T> ? T : never;

/** An alert recipient's target: the union of every registered channel's own target type. */
export type AlertTarget = TargetOf<(typeof CHANNELS)[number]>;

/** The syntax of TARGET's channel. */
export function syntaxOf<T extends AlertTarget>(target: T): ChannelSyntax<T> {
  return entryOf(target).syntax as ChannelSyntax<T>;
}

function entryOf(target: AlertTarget): ChannelEntry<AlertTarget> {
  const entry = CHANNELS.find((e) => e.syntax.kind === target.kind);
  // Unreachable for a model the parser built; a queue file never holds a target.
  if (!entry) throw new Error(`no alert channel of kind ${String(target.kind)}`);
  return entry as ChannelEntry<AlertTarget>;
}

/** The channel that delivers to TARGET: its sender is loaded on the first alert. */
export function channelFor(target: AlertTarget, env: ChannelEnv): Channel {
  const entry = entryOf(target);
  return {
    async send(alert: Alert, signal: AbortSignal): Promise<void> {
      const { send } = await entry.load();
      await send(target, alert, env, signal);
    },
  };
}
