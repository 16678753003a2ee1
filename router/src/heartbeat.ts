import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Pings every WebSocket of `server` each `intervalMs` and terminates one that has not answered
 * its previous ping by then — with one timer for all sockets (the pattern of ws's README), not
 * graphql-ws's interval and timeout per socket. Each socket is given one of `intervalMs / 1 s`
 * slices when it connects and pinged with that slice, so that ten thousand sockets do not all get
 * their ping in the same tick. Returns how to stop.
 */
export function heartbeat(server: WebSocketServer, intervalMs = 12_000): () => void {
  const slices = Math.max(1, Math.round(intervalMs / 1000));
  /** Socket → its slice, and whether it still owes a pong (the lowest bit). */
  const beats = new Map<WebSocket, number>();
  let connected = 0;
  let tick = 0;

  const onConnection = (socket: WebSocket) => {
    beats.set(socket, (connected++ % slices) * 2);
    socket.on('pong', answered);
    socket.once('close', () => beats.delete(socket));
  };
  function answered(this: WebSocket) {
    const beat = beats.get(this);
    if (beat !== undefined) beats.set(this, beat & ~1);
  }
  server.on('connection', onConnection);

  const timer = setInterval(() => {
    const slice = tick++ % slices;
    for (const [socket, beat] of beats) {
      if (beat >> 1 !== slice || socket.readyState !== socket.OPEN) continue;
      if (beat & 1) {
        socket.terminate();
        continue;
      }
      beats.set(socket, beat | 1);
      socket.ping();
    }
  }, intervalMs / slices);
  timer.unref();

  return () => {
    clearInterval(timer);
    server.off('connection', onConnection);
  };
}
