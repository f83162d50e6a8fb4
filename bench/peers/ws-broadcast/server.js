// The peer server for bench/ (issue 5): a plain WebSocket relay built on the
// npm package `ws`, as a team would write one instead of maptable. A client
// connects to ws://HOST:PORT/<room>; every binary frame it sends is sent to
// every other open client of the same room. No compression, no validation,
// no sequencing, no storage: this is the floor maptable is compared with.
//
// usage: node server.js [--port P] [--host H] [--ping-interval S]
// Prints "ws-broadcast listening on HOST:PORT" on stdout once listening
// (--port 0 picks a free port). --ping-interval S pings every client every S
// seconds and drops those that did not answer the previous ping (the `ws`
// README's heartbeat), so an idle run pays for pings as maptable's does.
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = option('--host', '127.0.0.1');
const port = Number(option('--port', '8090'));
const pingInterval = Number(option('--ping-interval', '0'));

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/healthz' ? 'ok' : 'not found');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });

const rooms = new Map(); // room path -> Set of sockets

wss.on('connection', (ws, req) => {
  const name = req.url || '/';
  let room = rooms.get(name);
  if (!room) {
    room = new Set();
    rooms.set(name, room);
  }
  room.add(ws);
  ws.isAlive = true;
  ws.on('pong', () => { ws.isAlive = true; });
  ws.on('message', (data, isBinary) => {
    for (const peer of room) {
      if (peer !== ws && peer.readyState === 1) peer.send(data, { binary: isBinary });
    }
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(name);
  });
  ws.on('error', () => {});
});

if (pingInterval > 0) {
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!ws.isAlive) { ws.terminate(); continue; }
      ws.isAlive = false;
      ws.ping();
    }
  }, pingInterval * 1000);
  wss.on('close', () => clearInterval(timer));
}

server.listen(port, host, () => {
  const a = server.address();
  process.stdout.write(`ws-broadcast listening on ${a.address}:${a.port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const ws of wss.clients) ws.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
