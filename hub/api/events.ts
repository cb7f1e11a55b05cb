/** `GET /events`: every execution, agent and flow change as server-sent events, for live views. */
import { streamSSE } from 'hono/streaming';
import { TernError } from '../../protocol/errors.js';
import type { HubEvent } from '../events.js';
import type { RouteTable } from './route.js';
import { ServerSentEventSchema } from './schemas.js';
import type { HubServices } from './services.js';

/** Events kept for a slow client before it is disconnected (it reconnects and reloads). */
const MAX_QUEUE = 10_000;

export interface EventsOptions {
  /** Interval of the comment lines that keep proxies from closing an idle stream. */
  heartbeatMs: number;
}

/** Registers the global event stream. */
export function eventRoutes(table: RouteTable, services: HubServices, options: EventsOptions): void {
  table.add(
    {
      method: 'get',
      path: '/events',
      operationId: 'streamEvents',
      tag: 'operations',
      summary: 'Every change, live (server-sent events)',
      description:
        'A `ready` event first, then `execution` (an execution without its task runs, after each change, on the hub or ingested from an agent), `agent` (an agent after its status, labels or connection changed) `flow` (`{namespace, id}` after a flow was saved or deleted) and `rollout` (a rollout after each change of its status, stages or agents) events as they happen. Comment lines are sent as a heartbeat. The stream does not replay history: read the lists after `ready`. It ends at once when the token it was opened with is revoked.',
      responses: {
        200: {
          description: 'The event stream',
          schema: ServerSentEventSchema,
          mediaType: 'text/event-stream',
        },
      },
    },
    (c) => {
      const source = services.events;
      if (!source) throw new TernError('NOT_FOUND', 'this hub has no event stream');
      const queue: HubEvent[] = [];
      let wake: (() => void) | undefined;
      let overflow = false;
      const unsubscribe = source.subscribe((event) => {
        if (queue.length >= MAX_QUEUE) overflow = true;
        else queue.push(event);
        wake?.();
      });
      c.header('X-Accel-Buffering', 'no');
      const onRevoked = c.get('onRevoked');
      return streamSSE(c, async (stream) => {
        let closed = false;
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        // Aborting ends the response even while a write waits on a slow client.
        const stopWatching = onRevoked(() => stream.abort());
        const heartbeat = setInterval(() => {
          stream.write(': heartbeat\n\n').catch(() => undefined);
        }, options.heartbeatMs);
        try {
          await stream.writeSSE({ event: 'ready', data: '{}' });
          while (!closed && !overflow) {
            const event = queue.shift();
            if (!event) {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = undefined;
              continue;
            }
            await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) });
          }
        } finally {
          clearInterval(heartbeat);
          stopWatching();
          unsubscribe();
        }
      });
    },
  );
}
