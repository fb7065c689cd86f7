// The registry of service types: one line per `check TYPE`, and nothing else decides how a
// service's header is read or printed.
import { directoryType } from './service-types/directory.js';
import { fifoType } from './service-types/fifo.js';
import { fileType } from './service-types/file.js';
import { hostType } from './service-types/host.js';
import type { ServiceTypeSyntax } from './service-types/kind.js';
import { processType } from './service-types/process.js';
import { programType } from './service-types/program.js';

/** Every service type, keyed by its word, in the order messages list them. */
export const SERVICE_TYPES = {
  process: processType,
  host: hostType,
  file: fileType,
  program: programType,
  directory: directoryType,
  fifo: fifoType,
} as const;

/** The word after `check`. */
export type ServiceType = keyof typeof SERVICE_TYPES;

/** The syntax of a service type. */
export function serviceTypeOf(type: ServiceType): ServiceTypeSyntax {
  return SERVICE_TYPES[type];
}
