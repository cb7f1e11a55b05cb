/** Free TCP ports for listeners that must keep their port across restarts (port 0 would pick a new one each time). */
import { createServer } from 'node:net';

/** A TCP port free right now on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
