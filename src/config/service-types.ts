// The registry of service types: one line per `check TYPE`, and nothing else decides how a
// service's header is read or printed, or what it observes each cycle.
import { directoryType } from './service-types/directory.js';
import { fifoType } from './service-types/fifo.js';
import type { Service } from './model.js';
import type { Observer, ObserverModule } from '../observers/kind.js';
import { fileType } from './service-types/file.js';
import { filesystemType } from './service-types/filesystem.js';
import { hostType } from './service-types/host.js';
import type { ServiceTypeSyntax } from './service-types/kind.js';
import { networkType } from './service-types/network.js';
import { processType } from './service-types/process.js';
import { programType } from './service-types/program.js';
import { systemType } from './service-types/system.js';

/** Every service type, keyed by its word, in the order messages list them. */
export const SERVICE_TYPES = {
  process: processType,
  host: hostType,
  file: fileType,
  program: programType,
  directory: directoryType,
  fifo: fifoType,
  system: systemType,
  filesystem: filesystemType,
  network: networkType,
} as const;

/** The word after `check`. */
export type ServiceType = keyof typeof SERVICE_TYPES;

/** The syntax of a service type. */
export function serviceTypeOf(type: ServiceType): ServiceTypeSyntax {
  return SERVICE_TYPES[type];
}

/** The type a word after `check` names, by its own word or an older alias (`device`). */
export function serviceTypeNamed(word: string): ServiceType | undefined {
  const w = word.toLowerCase();
  return (Object.keys(SERVICE_TYPES) as ServiceType[]).find(
    (t) => t === w || (SERVICE_TYPES[t] as ServiceTypeSyntax).aliases?.includes(w),
  );
}

const observers = new Map<ServiceType, ObserverModule>();

/** Loads the observers of the service types SERVICES use (the daemon, through loadChecks). */
export async function loadObservers(services: readonly Pick<Service, 'type'>[]): Promise<void> {
  const used = new Set(services.map((s) => s.type));
  await Promise.all(
    [...used].map(async (t) => {
      const load = (SERVICE_TYPES[t] as ServiceTypeSyntax).observer;
      if (load && !observers.has(t)) observers.set(t, await load());
    }),
  );
}

/** The observer of a service, or undefined when its type observes nothing of its own. */
export function createObserver(service: Service): Observer | undefined {
  const load = (SERVICE_TYPES[service.type] as ServiceTypeSyntax).observer;
  if (!load) return undefined;
  const m = observers.get(service.type);
  if (!m) throw new Error(`the '${service.type}' observer is not loaded: await loadChecks(config) first`);
  return m.create(service);
}
