// `if exist`: failed while the process is running or the file is there.
import { existenceCheck } from '../existence.js';
import type { CheckFactory } from '../kind.js';
import type { ExistCondition } from './syntax.js';

export const check: CheckFactory<ExistCondition> = (_c, service) => existenceCheck(service, true);
