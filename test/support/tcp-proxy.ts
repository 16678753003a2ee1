import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '@chirpchat/kit';

/**
 * A loopback TCP proxy to a server, which a test cuts (every connection through it is destroyed
 * and new ones are refused, as a network partition between one client and the server looks)
 * and restores on the same port, while clients connected to the server directly stay connected.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = async () => {
    if (server) return;
    const started = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    server = started;
    started.listen(port, '127.0.0.1');
    await once(started, 'listening');
  };
  const cut = async () => {
    const running = server;
    if (!running) return;
    server = null;
    const closed = once(running, 'close');
    running.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
