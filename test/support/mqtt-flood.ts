/**
 * Raw TCP and WebSocket clients that misbehave before MQTT authentication: a
 * CONNECT declaring 256 MB and then streaming its body, a socket that says
 * nothing, many sockets from one address; and the process's memory meanwhile.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

/** The largest remaining length MQTT can declare: 256 MB less one byte. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** A packet's fixed header: its type (1 CONNECT, 3 PUBLISH …) and the remaining length it declares. */
export function fixedHeader(type: number, remainingLength: number): Buffer {
  const length: number[] = [];
  let rest = remainingLength;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    length.push(byte);
  } while (rest > 0);
  return Buffer.from([type << 4, ...length]);
}

/** The fixed header of a CONNECT declaring `remainingLength` bytes, and the start of its variable header. */
export function connectHeader(remainingLength: number): Buffer {
  // Protocol name "MQTT", level 4, flags: username and password, keepalive 60.
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 60]);
  return Buffer.concat([fixedHeader(1, remainingLength), variable]);
}

/** A connected TCP socket from `localAddress` (any 127.x.y.z works on Linux); its errors are expected and kept quiet. */
export async function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves true once the peer has closed the socket, false if it is still open after `ms`. */
export function closedWithin(socket: Socket | WebSocket, ms: number): Promise<boolean> {
  const closed = socket instanceof WebSocket ? socket.readyState === WebSocket.CLOSED : socket.closed;
  if (closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const FILLER = Buffer.alloc(64 * 1024, 0x61);

/**
 * Sends a CONNECT declaring 256 MB, then up to `bodyBytes` of its body (one
 * reused buffer, so the sender holds no more memory as it goes), stopping when
 * the peer closes. Resolves with the bytes of body the socket took.
 */
export async function floodConnect(socket: Socket, bodyBytes: number): Promise<number> {
  socket.write(connectHeader(MAX_REMAINING_LENGTH));
  let sent = 0;
  while (sent < bodyBytes && !socket.destroyed) {
    sent += FILLER.length;
    if (!socket.write(FILLER)) await drainedOrClosed(socket);
  }
  return sent;
}

/** Unlike `events.once`, does not reject on the socket's errors: a reset is what these clients expect. */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/** The same over MQTT-over-WebSocket: each 64 KiB of body in its own WebSocket message. */
export async function floodConnectOverWebSocket(url: string, bodyBytes: number): Promise<WebSocket> {
  const ws = new WebSocket(url, 'mqtt');
  ws.on('error', () => {});
  await once(ws, 'open');
  ws.send(connectHeader(MAX_REMAINING_LENGTH));
  for (let sent = 0; sent < bodyBytes && ws.readyState === WebSocket.OPEN; sent += FILLER.length) {
    ws.send(FILLER);
    // Let the socket drain instead of queueing the whole body in the sender.
    while (ws.bufferedAmount > 1024 * 1024 && ws.readyState === WebSocket.OPEN)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return ws;
}

/** Runs `attack` while sampling this process's RSS; resolves with its result and the highest RSS growth seen, in bytes. */
export async function rssGrowthDuring<T>(attack: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const result = await attack();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}
