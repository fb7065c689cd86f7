// The registry: one line per condition kind, and nothing else decides how a condition is read,
// printed, reported or checked. The syntax is referenced statically (the rules front end needs it);
// the check is loaded only by the daemon (`loadChecks`), so `brokerwatch -t` never loads mqtt.js.
import type { Config, Rule, Service } from '../config/model.js';
import { loadObservers } from '../config/service-types.js';
import { bridgeSyntax } from './bridge/syntax.js';
import { changedSyntax } from './changed/syntax.js';
import { checksumSyntax } from './checksum/syntax.js';
import { contentSyntax } from './content/syntax.js';
import { existSyntax } from './exist/syntax.js';
import { filedescriptorsSyntax } from './filedescriptors/syntax.js';
import { diskIoSyntax } from './disk-io/syntax.js';
import { fsflagsSyntax } from './fsflags/syntax.js';
import { gidSyntax } from './gid/syntax.js';
import { inodeSyntax } from './inode/syntax.js';
import { loadavgSyntax } from './loadavg/syntax.js';
import type { CheckFactory, CheckModule, ConditionBase, KindSyntax } from './kind.js';
import { linkChangeSyntax } from './link-change/syntax.js';
import { linkSyntax } from './link/syntax.js';
import { nonexistSyntax } from './nonexist/syntax.js';
import { permissionSyntax } from './permission/syntax.js';
import { pingSyntax } from './ping/syntax.js';
import { portSyntax } from './port/syntax.js';
import { resourceSyntax } from './resource/syntax.js';
import { restartsSyntax } from './restarts/syntax.js';
import { saturationSyntax } from './saturation/syntax.js';
import { serviceTimeSyntax } from './service-time/syntax.js';
import { sizeSyntax } from './size/syntax.js';
import { spaceSyntax } from './space/syntax.js';
import { statusSyntax } from './status/syntax.js';
import { sysSyntax } from './sys/syntax.js';
import { systemCpuSyntax } from './system-cpu/syntax.js';
import { systemMemorySyntax } from './system-memory/syntax.js';
import { systemUptimeSyntax } from './system-uptime/syntax.js';
import { timestampSyntax } from './timestamp/syntax.js';
import { trafficSyntax } from './traffic/syntax.js';
import type { Check } from './types.js';
import { uidSyntax } from './uid/syntax.js';
import { uptimeSyntax } from './uptime/syntax.js';

/** One kind: its syntax, and how to load its check (none: the state machine decides it). */
export interface KindEntry<C extends ConditionBase> {
  readonly syntax: KindSyntax<C>;
  readonly load?: () => Promise<CheckModule<C>>;
}

function kind<C extends ConditionBase>(syntax: KindSyntax<C>, load?: () => Promise<CheckModule<C>>): KindEntry<C> {
  return { syntax, ...(load ? { load } : {}) };
}

/** Every condition kind, keyed by its model tag, in the order `brokerwatch -t` lists them. */
export const KINDS = {
  nonexist: kind(nonexistSyntax, () => import('./nonexist/check.js')),
  exist: kind(existSyntax, () => import('./exist/check.js')),
  port: kind(portSyntax, () => import('./port/check.js')),
  resource: kind(resourceSyntax, () => import('./resource/check.js')),
  uptime: kind(uptimeSyntax, () => import('./uptime/check.js')),
  changed: kind(changedSyntax, () => import('./changed/check.js')),
  restarts: kind(restartsSyntax),
  status: kind(statusSyntax, () => import('./status/check.js')),
  timestamp: kind(timestampSyntax, () => import('./timestamp/check.js')),
  size: kind(sizeSyntax, () => import('./size/check.js')),
  checksum: kind(checksumSyntax, () => import('./checksum/check.js')),
  permission: kind(permissionSyntax, () => import('./permission/check.js')),
  uid: kind(uidSyntax, () => import('./uid/check.js')),
  gid: kind(gidSyntax, () => import('./gid/check.js')),
  sys: kind(sysSyntax, () => import('./sys/check.js')),
  content: kind(contentSyntax, () => import('./content/check.js')),
  loadavg: kind(loadavgSyntax, () => import('./loadavg/check.js')),
  'system-cpu': kind(systemCpuSyntax, () => import('./system-cpu/check.js')),
  'system-memory': kind(systemMemorySyntax, () => import('./system-memory/check.js')),
  'system-uptime': kind(systemUptimeSyntax, () => import('./system-uptime/check.js')),
  space: kind(spaceSyntax, () => import('./space/check.js')),
  inode: kind(inodeSyntax, () => import('./inode/check.js')),
  'disk-io': kind(diskIoSyntax, () => import('./disk-io/check.js')),
  'service-time': kind(serviceTimeSyntax, () => import('./service-time/check.js')),
  fsflags: kind(fsflagsSyntax, () => import('./fsflags/check.js')),
  link: kind(linkSyntax, () => import('./link/check.js')),
  'link-change': kind(linkChangeSyntax, () => import('./link-change/check.js')),
  saturation: kind(saturationSyntax, () => import('./saturation/check.js')),
  traffic: kind(trafficSyntax, () => import('./traffic/check.js')),
  filedescriptors: kind(filedescriptorsSyntax, () => import('./filedescriptors/check.js')),
  ping: kind(pingSyntax, () => import('./ping/check.js')),
  bridge: kind(bridgeSyntax, () => import('./bridge/check.js')),
} as const;

type Kinds = typeof KINDS;
export type ConditionKind = keyof Kinds;

/** The model of an `if` condition: the union of every kind's own type. */
export type Condition = { [K in ConditionKind]: Kinds[K] extends KindEntry<infer C> ? C : never }[ConditionKind];

/** The syntax of a condition's kind. Each entry reads only conditions of its own tag, which the
 *  key guarantees (a test checks every key against its syntax's `kind`). */
export function syntaxOf(c: Condition): KindSyntax<Condition> {
  return KINDS[c.kind].syntax as unknown as KindSyntax<Condition>;
}

/** False for a kind the state machine decides from its own records (no check to load). */
export function hasCheck(c: Condition): boolean {
  return (KINDS[c.kind] as KindEntry<Condition>).load !== undefined;
}

/** Every kind's syntax, for the parser's lookup of claimed words and for docs. */
export const SYNTAXES: readonly KindSyntax<Condition>[] = Object.values(KINDS).map(
  (e) => e.syntax as unknown as KindSyntax<Condition>,
);

const loaded = new Map<ConditionKind, CheckFactory<Condition>>();

/** Loads the checks of every kind CONFIG uses, and the observers of its service types (what those
 *  checks read); the daemon awaits it at start and at each reload. */
export async function loadChecks(config: Pick<Config, 'services'>): Promise<void> {
  const used = new Set(config.services.flatMap((s) => s.rules.map((r) => r.condition.kind)));
  await loadObservers(config.services);
  await Promise.all(
    [...used].map(async (k) => {
      const load = (KINDS[k] as KindEntry<Condition>).load;
      if (!loaded.has(k) && load) loaded.set(k, (await load()).check);
    }),
  );
}

/** The check for one rule, or undefined when the state machine decides it (or nothing can be observed). */
export function createCheck(service: Service, rule: Rule): Check | undefined {
  const k = rule.condition.kind;
  const factory = loaded.get(k);
  if (!factory && (KINDS[k] as KindEntry<Condition>).load)
    throw new Error(`the '${k}' check is not loaded: await loadChecks(config) first`);
  return factory?.(rule.condition, service);
}
