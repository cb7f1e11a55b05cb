/** `mqtt`: one execution per MQTT message on the subscribed topics (Kestra's MQTT RealtimeTrigger). */
import { hash } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { defineTrigger, type PropertyProblem } from '../../protocol/plugin.js';
import {
  type ConnectionProps,
  connectionProblems,
  connectionProperties,
  connectionSettings,
  QosSchema,
} from './common.js';
import { CONNECTIONS_KEY, MqttConnections, type ReceivedMessage } from './connections.js';
import { decodePayload, type SerdeType, SerdeTypeSchema } from './serde.js';
import { filterProblem } from './topics.js';

type Props = ConnectionProps & {
  topic: string | string[];
  qos?: 0 | 1 | 2;
  serdeType?: SerdeType;
};

const Topic = T.String({ minLength: 1, description: 'Topic filter; + and # wildcards allowed' });

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

const topicsOf = (props: Props): string[] => (Array.isArray(props.topic) ? props.topic : [props.topic]);

/** A short digest of a payload: what a retained message is recognised by. */
const digest = (payload: Buffer): string => hash('sha1', payload, 'base64url');

export default defineTrigger({
  type: 'mqtt',
  aliases: ['io.kestra.plugin.mqtt.RealtimeTrigger'],
  title: 'MQTT message',
  description:
    'Starts one execution per message on the topics, with `trigger.topic`, `trigger.payload` (parsed when serdeType is JSON), `trigger.qos` and `trigger.retain`. A retained message the broker replays on reconnect starts no second execution. Without `server`, an agent uses its local broker.',
  properties: T.Object({
    ...connectionProperties,
    topic: T.Union([Topic, T.Array(Topic, { minItems: 1 })], { description: 'One topic filter or a list' }),
    qos: T.Optional(QosSchema),
    serdeType: T.Optional(SerdeTypeSchema),
  }),
  variables: T.Object({
    topic: T.String(),
    payload: T.Unknown({ description: 'The JSON value, or the text with serdeType: STRING' }),
    qos: T.Integer(),
    retain: T.Boolean(),
  }),
  examples: [
    {
      title: 'Every reading of every cold-room sensor',
      code: '- id: reading\n  type: mqtt\n  topic: sensors/+/temperature\n  conditions:\n    - "{{ trigger.payload.celsius > 8 }}"',
    },
  ],
  check(props: Props): PropertyProblem[] {
    const problems = connectionProblems(props);
    topicsOf(props).forEach((topic, i) => {
      if (templated(topic)) return;
      const problem = filterProblem(topic);
      if (problem)
        problems.push({ path: Array.isArray(props.topic) ? `topic.${i}` : 'topic', message: problem });
    });
    return problems;
  },
  start(props: Props, ctx) {
    const settings = connectionSettings(props, ctx.host);
    const pool = ctx.host.shared(CONNECTIONS_KEY, () => new MqttConnections());
    const lease = pool.lease(settings);
    const serde = props.serdeType ?? 'JSON';
    const qos = props.qos ?? 1;

    const onMessage = (message: ReceivedMessage) => {
      let payload: unknown;
      try {
        payload = decodePayload(message.payload, serde);
      } catch (err) {
        ctx.logger.error(`message on ${message.topic} dropped: ${(err as Error).message}`);
        return;
      }
      void ctx.fire(
        { topic: message.topic, payload, qos: message.qos, retain: message.retain },
        // Live messages are remembered too: the broker may replay any of them as retained later.
        {
          dedupeKey: `topic:${message.topic}`,
          dedupeValue: digest(message.payload),
          dropRepeat: message.retain,
        },
      );
    };

    let down = false;
    const onError = (err: Error) => {
      if (!down) ctx.logger.warn(`MQTT ${settings.url}: ${err.message}; retrying`);
      down = true;
    };
    const onConnect = () => {
      if (down) ctx.logger.info(`MQTT ${settings.url}: connected again`);
      down = false;
    };
    lease.client.on('error', onError);
    lease.client.on('connect', onConnect);
    // Not awaited: with the broker away, the subscription is sent when it comes back.
    lease
      .subscribe(
        topicsOf(props).map((topic) => ({ topic, qos })),
        onMessage,
        () => ctx.room(),
      )
      .then(
        () => ctx.logger.debug(`subscribed to ${topicsOf(props).join(', ')} on ${settings.url}`),
        (err: unknown) => ctx.logger.error(`cannot subscribe on ${settings.url}: ${(err as Error).message}`),
      );
    return {
      async stop() {
        lease.client.off('error', onError);
        lease.client.off('connect', onConnect);
        await lease.release();
      },
    };
  },
});
