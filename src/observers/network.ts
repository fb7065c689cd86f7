// `check filesystem`: placeholder until the file system observer reads statfs.
import type { ObserverModule } from './kind.js';

export const create: ObserverModule['create'] = () => ({
  observe: () => Promise.resolve({ ok: false, message: 'not observed' }),
});
