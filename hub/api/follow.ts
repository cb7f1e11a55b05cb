/** `GET /executions/{id}/follow`: an execution's changes as server-sent events, until it ends. */
import { streamSSE } from 'hono/streaming';
import { TernError } from '../../protocol/errors.js';
import { isTerminal } from '../../protocol/states.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, ExecutionIdParams, ServerSentEventSchema } from './schemas.js';
import type { HubServices } from './services.js';

type EventName = 'execution' | 'taskRun' | 'log';

export interface FollowOptions {
  /** Interval of the comment lines that keep proxies from closing an idle stream. */
  heartbeatMs: number;
}

/** Registers the follow route. */
export function followRoutes(table: RouteTable, services: HubServices, options: FollowOptions): void {
  const store = services.storage.executions;

  table.add(
    {
      method: 'get',
      path: '/executions/:id/follow',
      operationId: 'followExecution',
      tag: 'executions',
      summary: 'Follow an execution live (server-sent events)',
      description:
        'First an `execution` event with the current execution and its `taskRuns`; then `execution`, `taskRun` and `log` events as they happen; then an `end` event (`{id, state}`) once the execution has ended, and the stream closes. Comment lines are sent as a heartbeat. The stream ends at once, without `end`, when the token it was opened with is revoked.',
      params: ExecutionIdParams,
      responses: {
        200: {
          description: 'The event stream',
          schema: ServerSentEventSchema,
          mediaType: 'text/event-stream',
        },
        404: { description: 'No such execution', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const queue: { event: EventName; data: unknown; ends: boolean }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: EventName, data: unknown, ends = false) => {
        queue.push({ event, data, ends });
        wake?.();
      };
      // Listen before reading the snapshot, so nothing between the two is missed (a repeat is harmless).
      const unsubscribe = services.executions.follow(params.id, {
        execution: (e) => push('execution', e, isTerminal(e.state)),
        taskRun: (tr) => push('taskRun', tr),
        log: (line) => push('log', line),
      });
      let snapshot: Awaited<ReturnType<typeof store.get>>;
      try {
        await store.flush();
        snapshot = await store.get(params.id);
      } catch (err) {
        unsubscribe();
        throw err;
      }
      if (!snapshot) {
        unsubscribe();
        throw new TernError('NOT_FOUND', `no execution ${params.id}`);
      }
      const { execution, taskRuns } = snapshot;

      // Reverse proxies (nginx) would otherwise buffer the stream and deliver events late.
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
          await stream.writeSSE({ event: 'execution', data: JSON.stringify({ ...execution, taskRuns }) });
          let state = execution.state;
          let ended = isTerminal(state);
          while (!ended && !closed) {
            const item = queue.shift();
            if (!item) {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = undefined;
              continue;
            }
            await stream.writeSSE({ event: item.event, data: JSON.stringify(item.data) });
            if (item.event === 'execution') state = (item.data as typeof execution).state;
            ended = item.ends;
          }
          if (!closed)
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ id: params.id, state }) });
        } finally {
          clearInterval(heartbeat);
          stopWatching();
          unsubscribe();
        }
      });
    },
  );
}
