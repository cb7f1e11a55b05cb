/** `mqtt.publish`: publishes one message (Kestra's MQTT Publish), on a connection kept across executions. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { connectionProperties, connectionSettings, connectTimeoutMs, QosSchema } from './common.js';
import { CONNECTIONS_KEY, MqttConnections, writeNow } from './connections.js';
import { encodePayload, SerdeTypeSchema } from './serde.js';
import { topicProblem } from './topics.js';

export default defineTask({
  type: 'mqtt.publish',
  aliases: ['io.kestra.plugin.mqtt.Publish'],
  title: 'MQTT publish',
  description:
    'Publishes `from` to `topic`: a string as it is, a map or list as JSON. Without `server`, an agent publishes on its local broker. Connections are kept open and shared across executions.',
  properties: T.Object({
    ...connectionProperties,
    topic: T.String({ minLength: 1, description: 'Topic to publish to (no wildcards)' }),
    from: T.Unknown({ description: 'The message: a string, or a map or list sent as JSON' }),
    serdeType: T.Optional(SerdeTypeSchema),
    qos: T.Optional(QosSchema),
    retain: T.Optional(
      T.Boolean({ description: 'The broker keeps it for later subscribers', default: false }),
    ),
  }),
  outputs: T.Object({ messagesCount: T.Integer() }),
  examples: [
    {
      title: 'Switch on a relay',
      code: '- id: relay\n  type: mqtt.publish\n  topic: actuators/fan-1/set\n  from: { state: "ON" }\n  retain: true',
    },
  ],
  async run(props, ctx) {
    const problem = topicProblem(props.topic);
    if (problem) throw new TaskError(problem, false);
    let settings: ReturnType<typeof connectionSettings>;
    try {
      settings = connectionSettings(props, ctx.host);
    } catch (err) {
      throw new TaskError((err as Error).message, false);
    }
    const pool = ctx.host.shared(CONNECTIONS_KEY, () => new MqttConnections());
    const lease = pool.lease(settings, 'publish');
    try {
      if (!lease.client.connected) await lease.ready(connectTimeoutMs(props), ctx.signal);
      const qos = props.qos ?? 1;
      const acknowledged = lease.client.publishAsync(props.topic, encodePayload(props.from), {
        qos,
        retain: props.retain ?? false,
      });
      writeNow(lease.client);
      await acknowledged;
      ctx.logger.debug(`published to ${props.topic} on ${settings.url} (qos ${qos})`);
      return { outputs: { messagesCount: 1 } };
    } finally {
      await lease.release();
    }
  },
});
