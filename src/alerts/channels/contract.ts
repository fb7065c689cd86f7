// The contract of an alert channel, in two halves. The syntax half is what the rules front end
// (`brokerwatch -t`) needs: the target's grammar, printer, naming, secrets and docs, with no
// runtime imports. The send half delivers, and is loaded only when an alert goes out, so that
// checking a rules file never loads nodemailer or mqtt.js.
import type { Cursor } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';
import type { Command } from '../../config/model.js';
import type { Alert, ChannelEnv } from '../types.js';

/** What every channel's target has: the word of the rules file that names its channel. */
export interface Target {
  readonly kind: string;
}

/** A clause after the filter and reminder that only one channel takes (mail's `mail-format { … }`). */
export interface TargetClause<T extends Target> {
  /** The word that opens it. */
  readonly word: string;
  /** Parses what follows WORD; TARGET is undefined when the recipient is of another channel (an error to report). */
  parse(c: Cursor, word: Token, target: T | undefined): T;
  /** The clause as the rules file writes it, or undefined when the target has none. */
  print(target: T, indent: string): string | undefined;
}

/** What the config printer lends a channel's print(): its quoting rules and its choice about secrets. */
export interface TargetPrinter {
  /** A value as one bare word when it reads back as one, quoted otherwise. */
  word(s: string): string;
  /** A string in double quotes. */
  quote(s: string): string;
  /** A duration in the largest unit that is exact (`5 seconds`). */
  duration(ms: number): string;
  /** A command with its `as uid`/`with timeout` options. */
  command(cmd: Command): string;
  /** What stands for a secret (`********`) when secrets are masked; undefined when they are printed. */
  readonly mask?: string;
}

/** The syntax half of a channel: everything but delivery. */
export interface ChannelSyntax<T extends Target> {
  /** The target's `kind`, also the word that starts it in the rules file (mail has no word). */
  readonly kind: T['kind'];
  /** The target's form for the "expected …" error, e.g. `webhook "URL"`. */
  readonly expected: string;
  /** One line of README's list of alert targets: the form and what it does. */
  readonly docs: string;
  /** A recipient after `set alert`, with every option and any secret: the registry test parses,
   *  prints, names and scrubs it. */
  readonly example: string;
  /** True when the cursor stands at the start of this channel's target. */
  starts(c: Cursor): boolean;
  /** Parses the target after `alert`/`set alert`, from its first token on. */
  parse(c: Cursor): T;
  /** Optional trailing clause of this channel's recipients. */
  readonly clause?: TargetClause<T>;
  /** The target as the rules file writes it, with the printer's own helpers. */
  print(target: T, p: TargetPrinter): string;
  /** What makes two targets one recipient (hashed into the lane key); starts with the kind. */
  identity(target: T): string;
  /** The target in words for logs and queue files: never a password or a URL token. */
  label(target: T): string;
  /** The name a service's `noalert NAME` matches, compared without case. */
  noalertName(target: T): string;
  /** The secrets the target holds, to scrub from every HTTP answer and log (undefined: none). */
  secrets(target: T): readonly (string | undefined)[];
  /** How often a failure still open is sent again though the recipient asked for no reminder
   *  (Alertmanager resolves a firing alert that is not re-sent); absent: never. */
  resendMs?(target: T): number;
}

/** The send half: resolves once the far end accepted the alert, throws otherwise. */
export type Send<T extends Target> = (target: T, alert: Alert, env: ChannelEnv, signal: AbortSignal) => Promise<void>;

/** One registry entry: the syntax, and the sender loaded on first use. */
export interface ChannelEntry<T extends Target> {
  readonly syntax: ChannelSyntax<T>;
  readonly load: () => Promise<{ readonly send: Send<T> }>;
}
