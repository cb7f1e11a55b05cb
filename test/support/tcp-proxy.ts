/**
 * A TCP proxy for fault tests that can cut the network without closing
 * anything: in a black hole, established connections stop forwarding (both
 * sockets stay open, bytes wait unread as they would behind a dead link) and
 * new connections are accepted but lead nowhere. Restored, the waiting bytes
 * flow again, as TCP would deliver them once a partition heals.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * @example
 * const proxy = await TcpProxy.start({ host: '127.0.0.1', port: brokerPort });
 * proxy.blackHole(); // the agent behind it must notice by itself (keepalive)
 * proxy.restore();
 * await proxy.close();
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  /** Connections accepted during a black hole: they never reach the target. */
  private readonly swallowed = new Set<Socket>();
  /** Closes that happened on one side during a black hole: a dead link carries them to the other side only once healed. */
  private held: Array<() => void> = [];
  private holed = false;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1 on a free port, forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy is not listening');
    return address.port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Connections forwarding (or held in the black hole) right now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Stops forwarding in both directions, closing nothing. */
  blackHole(): void {
    this.holed = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /**
   * Forwards again: what waited is delivered, closes held back reach the other
   * side, and connections opened during the black hole are dropped.
   */
  restore(): void {
    this.holed = false;
    for (const socket of this.swallowed) socket.destroy();
    this.swallowed.clear();
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
    for (const close of this.held.splice(0)) close();
  }

  /** Ends every connection at once, both sides, as a crash would; what waited in a black hole is lost. Keeps listening. */
  cut(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.held = [];
    this.holed = false;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    for (const socket of this.swallowed) socket.destroy();
    for (const close of this.held.splice(0)) close();
    await closed;
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    if (this.holed) {
      // Nothing answers: the client's own connect timeout has to give up.
      this.swallowed.add(client);
      client.on('data', () => undefined);
      client.on('error', () => undefined);
      client.on('close', () => this.swallowed.delete(client));
      return;
    }
    const upstream = createConnection({ host: this.target.host, port: this.target.port });
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    // A side that closes during a black hole (the broker's own keepalive giving up) must not close the other.
    const pass = (close: () => void) => (this.holed ? this.held.push(close) : close());
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => to.write(chunk));
      from.on('end', () => pass(() => to.end()));
      from.on('error', () => pass(() => to.destroy()));
      from.on('close', () => {
        pass(() => to.destroy());
        this.pairs.delete(pair);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  }
}
