// Errors for a test written in a service type it does not apply to, shared by the process tests.
import type { ServiceType } from '../config/model.js';

/** For tests of a file's content (checksum, size): an error in a directory or fifo check, as in monit. */
export function notOnDirectoryOrFifo(name: string): (cond: unknown, type: ServiceType) => string | undefined {
  return (_c, type) =>
    type === 'directory' || type === 'fifo' ? `'${name}' tests do not apply to 'check ${type}'` : undefined;
}

/** For tests of a running process: `'NAME' tests apply to 'check process' only` elsewhere. */
export function processOnly(name: string): (cond: unknown, type: ServiceType) => string | undefined {
  return (_c, type) => (type === 'process' ? undefined : `'${name}' tests apply to 'check process' only`);
}

/** For tests of a file system: `'NAME' tests apply to 'check filesystem' only` elsewhere. */
export function filesystemOnly(name: string): (cond: unknown, type: ServiceType) => string | undefined {
  return (_c, type) => (type === 'filesystem' ? undefined : `'${name}' tests apply to 'check filesystem' only`);
}

/** For tests of a network interface: `'NAME' tests apply to 'check network' only` elsewhere. */
export function networkOnly(name: string): (cond: unknown, type: ServiceType) => string | undefined {
  return (_c, type) => (type === 'network' ? undefined : `'${name}' tests apply to 'check network' only`);
}
