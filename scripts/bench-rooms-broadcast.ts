// The baseline of the rooms benchmark (scripts/bench-rooms.ts): a plain `ws` broadcast server in
// a process of its own. It speaks just enough of the graphql-ws protocol (connection_init →
// connection_ack, subscribe → remember the id, ping → pong) for the benchmark's very same
// clients, and `POST /broadcast {"text"}` sends every socket the `messageAdded` event the router
// would: `{ id seq text sender { id displayName } }`, with a seq of its own. Reports its port to
// the parent over the IPC channel of `fork`.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const sender = { id: randomUUID(), displayName: 'Bench owner' };
/** Each socket's subscription id, once it has subscribed. */
const subscriptions = new Map<WebSocket, string>();
let seq = 0;

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/broadcast') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    const { text } = JSON.parse(body) as { text: string };
    seq += 1;
    const payload = JSON.stringify({ data: { messageAdded: { id: randomUUID(), seq, text, sender } } });
    for (const [socket, id] of subscriptions) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq }));
  });
});

const sockets = new WebSocketServer({
  server,
  path: '/graphql',
  handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
});
sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe' && message.id) subscriptions.set(socket, message.id);
    else if (message.type === 'complete') subscriptions.delete(socket);
  });
  socket.on('close', () => subscriptions.delete(socket));
});

server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
