// The packet flows a probe runs on an open session: SUBSCRIBE → SUBACK, PUBLISH at QoS 0/1/2 with
// its acknowledgements (PUBACK; PUBREC → PUBREL → PUBCOMP), and waiting for a message. Each flow
// throws a ProbeFailure of its own class; deadlines belong to the caller (it fails the session).
import type { IPubackPacket, IPublishPacket, ISubackPacket, Packet, QoS } from 'mqtt-packet';
import { ProbeFailure } from './classify.js';
import { describeReason, describeSuback, isSubackFailure } from './reasons.js';
import type { MqttSession } from './session.js';

/** MQTT 5 "No matching subscribers": the broker accepted the message and will deliver it to nobody. */
export const NO_MATCHING_SUBSCRIBERS = 0x10;

/** SUBSCRIBE to one topic; resolves with the granted QoS, throws 'subscribe-refused'. */
export async function subscribe(s: MqttSession, topic: string, qos: QoS): Promise<number> {
  const [code = 0x80] = await subscribeAll(s, [topic], qos);
  if (isSubackFailure(code)) {
    // 3.1.1 has one failure code for everything; with a working broker that is an ACL almost always.
    const acl = code === 0x80 || code === 0x87 ? ' (denied by ACL?)' : '';
    throw new ProbeFailure(
      'subscribe-refused',
      `SUBACK refused the subscription to ${topic}: ${describeSuback(code, s.version)}${acl}`,
    );
  }
  return code;
}

/** SUBSCRIBE to several topics in one packet; resolves with one SUBACK code per topic. */
export async function subscribeAll(s: MqttSession, topics: readonly string[], qos: QoS): Promise<number[]> {
  const messageId = s.nextId();
  const ack = s.expect(`suback:${messageId}`);
  s.send({ cmd: 'subscribe', messageId, subscriptions: topics.map((topic) => ({ topic, qos })) });
  const granted = ((await ack) as ISubackPacket).granted;
  if (granted.length !== topics.length || granted.some((c) => typeof c !== 'number')) {
    throw new ProbeFailure('protocol-error', `SUBACK with ${granted.length} return codes for ${topics.length} topics`);
  }
  return granted as number[];
}

/** Where a QoS 2 flow is, for a timeout message that names the missing packet. */
export interface PublishProgress {
  awaiting: 'PUBACK' | 'PUBREC' | 'PUBCOMP' | undefined;
}

/** PUBLISH (never retained) and complete its QoS flow; resolves with the MQTT 5 reason code of the
 *  final acknowledgement (0 for QoS 0 and 3.1.1), throws 'publish-not-acked' on a refusal.
 *  RELEASED runs once the broker holds all it needs to deliver: after the PUBLISH (QoS 0/1) or the
 *  PUBREL (QoS 2: mosquitto delivers a QoS 2 message when it is released). */
export async function publish(
  s: MqttSession,
  topic: string,
  payload: Buffer,
  qos: QoS,
  progress?: PublishProgress,
  released?: () => void,
): Promise<number> {
  const packet = { cmd: 'publish' as const, topic, payload, qos, retain: false, dup: false };
  if (qos === 0) {
    s.send(packet);
    released?.();
    return 0;
  }
  const messageId = s.nextId();
  const step = async (awaiting: 'PUBACK' | 'PUBREC' | 'PUBCOMP', send: () => void): Promise<number> => {
    if (progress) progress.awaiting = awaiting;
    const ack = s.expect(`${awaiting.toLowerCase()}:${messageId}`);
    send();
    return reasonOf(await ack, awaiting);
  };
  if (qos === 1) {
    return step('PUBACK', () => {
      s.send({ ...packet, messageId });
      released?.();
    });
  }
  // A PUBREC refusal (≥ 0x80) throws, ending the QoS 2 flow there (MQTT 5 §4.3.3).
  const rec = await step('PUBREC', () => s.send({ ...packet, messageId }));
  const comp = await step('PUBCOMP', () => {
    s.send({ cmd: 'pubrel', messageId });
    released?.();
  });
  return comp === 0 ? rec : comp;
}

function reasonOf(p: Packet, what: string): number {
  const code = (p as IPubackPacket).reasonCode ?? 0;
  if (code >= 0x80) {
    const acl = code === 0x87 ? ' (denied by ACL?)' : '';
    throw new ProbeFailure('publish-not-acked', `${what} refused the message: ${describeReason(code)}${acl}`);
  }
  return code;
}

/** Resolves with the next message on TOPIC (the probe's private topic, so only ours can come). */
export async function nextMessage(s: MqttSession, topic: string): Promise<IPublishPacket> {
  return (await s.expect(`publish:${topic}`)) as IPublishPacket;
}
