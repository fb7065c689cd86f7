// Every fuzz target, in the order a run takes them.
import { httpTarget } from './http.js';
import { mqttTarget } from './mqtt.js';
import { rulesTarget } from './rules.js';
import { smtpTarget } from './smtp.js';
import type { FuzzTarget } from './target.js';

export const TARGETS: readonly FuzzTarget[] = [rulesTarget, httpTarget, mqttTarget, smtpTarget];
