// `if does not exist`: failed while the process is not running or the file is missing.
import { existenceCheck } from '../existence.js';
import type { CheckFactory } from '../kind.js';
import type { NonexistCondition } from './syntax.js';

export const check: CheckFactory<NonexistCondition> = (_c, service) => existenceCheck(service, false);
