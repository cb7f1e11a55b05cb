/** A hub's HTTP server stopping gracefully: no new connection, requests under way answered, then closed. */
import type { Server } from 'node:http';

/** Longest a stopping hub waits for the requests under way (event streams excepted) to be answered. */
export const DRAIN_DEADLINE_MS = 10_000;

/**
 * Counts the requests being handled, so that a stopping hub answers them
 * before it closes: behind a load balancer, a rolling restart then cuts no
 * request a client cannot safely send again (a refused connection never
 * reached the hub). An event stream counts only until its response starts:
 * it is ended with the server.
 *
 * @example
 * const drain = new HttpDrain();
 * const server = createServer(drain.wrap(app.fetch));
 * await drain.drain(server); // at stop, before the work behind the API stops
 */
export class HttpDrain {
  private underWay = 0;
  private idle: (() => void) | undefined;

  /** `fetch`, counted; what the server passes besides the request (the Node request and response) goes on. */
  wrap<Rest extends unknown[]>(
    fetch: (request: Request, ...rest: Rest) => Response | Promise<Response>,
  ): (request: Request, ...rest: Rest) => Promise<Response> {
    return async (request, ...rest) => {
      this.underWay++;
      try {
        return await fetch(request, ...rest);
      } finally {
        this.underWay--;
        if (this.underWay === 0) this.idle?.();
      }
    };
  }

  /** Stops accepting connections, closes idle ones, and waits for the requests under way (at most `deadlineMs`). */
  async drain(server: Server, deadlineMs = DRAIN_DEADLINE_MS): Promise<void> {
    if (!server.listening) return;
    server.close();
    server.closeIdleConnections();
    if (this.underWay === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      timer = setTimeout(resolve, deadlineMs);
    });
    clearTimeout(timer);
    this.idle = undefined;
  }
}
