// MQTT: the alert's JSON published to a topic, on its own short connection (connect, publish at
// the recipient's QoS, disconnect) under one deadline. The broker is often another one than the
// broker being watched: a dead broker cannot carry its own obituary.
import { randomBytes } from 'node:crypto';
import { readFile } from '../../../util/fs-async.js';
import type { IClientOptions } from 'mqtt';
import { abortable } from '../../abort.js';
import { alertDocument } from '../../alert-text.js';
import type { Send } from '../contract.js';
import type { MqttTarget } from './syntax.js';

/** Deadline of connect + publish + disconnect. */
export const MQTT_ALERT_TIMEOUT_MS = 10_000;

/** Publishes one alert to the MQTT target. */
export const send: Send<MqttTarget> = async (target, alert, env, signal) => {
  const tls = target.tls?.enabled ? target.tls : undefined;
  const opts: IClientOptions = {
    host: target.host,
    port: target.port,
    protocol: tls ? 'mqtts' : 'mqtt',
    clientId: `brokerwatch-alert-${randomBytes(6).toString('hex')}`,
    reconnectPeriod: 0,
    connectTimeout: MQTT_ALERT_TIMEOUT_MS,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(tls
      ? {
          rejectUnauthorized: tls.verify,
          ...(tls.caFile ? { ca: await readFile(tls.caFile) } : {}),
          ...(tls.certFile ? { cert: await readFile(tls.certFile) } : {}),
          ...(tls.keyFile ? { key: await readFile(tls.keyFile) } : {}),
          ...(tls.serverName ? { servername: tls.serverName } : {}),
        }
      : {}),
  };
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(MQTT_ALERT_TIMEOUT_MS)]);
  // Loaded on first use, like nodemailer: most daemons never publish an alert over MQTT.
  const { connect } = await import('mqtt');
  const client = connect(opts);
  // Failures are reported through the promises below; a late 'error' must not crash the daemon.
  client.on('error', () => undefined);
  try {
    await abortable(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('connection closed before CONNACK')));
      }),
      deadline,
    );
    await abortable(
      client.publishAsync(target.topic, JSON.stringify(alertDocument(alert, env.httpUrl)), {
        qos: target.qos,
        retain: target.retain,
      }),
      deadline,
    );
    await abortable(client.endAsync(false), deadline);
  } catch (err) {
    client.end(true);
    throw new Error(`mqtt ${target.host}:${target.port}: ${(err as Error).message}`);
  }
};
