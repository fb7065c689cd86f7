// The channel registry: one file per kind of target, picked by the word in the rules file.
import type { AlertTarget } from '../../config/model.js';
import type { Channel, ChannelEnv, ChannelFactory } from '../types.js';
import { execChannel } from './exec.js';
import { mailChannel } from './mail.js';
import { mqttChannel } from './mqtt.js';
import { webhookChannel } from './webhook.js';

const CHANNELS: { readonly [K in AlertTarget['kind']]: ChannelFactory<K> } = {
  mail: mailChannel,
  webhook: webhookChannel,
  mqtt: mqttChannel,
  exec: execChannel,
};

/** The channel that delivers to TARGET. */
export function channelFor(target: AlertTarget, env: ChannelEnv): Channel {
  const make = CHANNELS[target.kind] as (t: AlertTarget, e: ChannelEnv) => Channel;
  return make(target, env);
}
