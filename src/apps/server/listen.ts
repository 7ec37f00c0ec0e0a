/**
 * @module Listening: plain HTTP, or HTTPS with plain HTTP on the same port answered by a redirect
 * (GET, HEAD) or a 400 that names the https URL, then closed, as Elasticsearch and Kibana answer
 * plaintext on their TLS port. The first byte decides: a TLS ClientHello starts with 0x16.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createAdaptorServer, serve } from '@hono/node-server';

type Fetch = Parameters<typeof serve>[0]['fetch'];

/** A TLS record of type handshake starts every ClientHello (RFC 8446 §5.1). */
const TLS_HANDSHAKE = 0x16;
/** A client that opens a connection and says nothing is dropped after this long. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export interface Listener {
  port: number;
  /** Stops accepting; resolves when every connection has closed. */
  close(): Promise<void>;
  /** Cuts every connection still open (after close() had its moment). */
  closeAllConnections(): void;
  /** Serves another certificate from the next handshake on (a renewed one); no-op without TLS. */
  setCertificate(tls: { cert: string; key: string }): void;
}

export interface ListenOptions {
  fetch: Fetch;
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  /** Told of each plaintext request refused on the TLS port (for the rejected counter). */
  onPlaintext?: () => void;
}

export async function listen(options: ListenOptions): Promise<Listener> {
  if (!options.tls) {
    const server = await new Promise<HttpServer>((resolve, reject) => {
      const s = serve({ fetch: options.fetch, hostname: options.host, port: options.port }, () => resolve(s as HttpServer)) as HttpServer;
      s.once('error', reject);
    });
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise((resolve) => server.close(() => resolve())),
      closeAllConnections: () => server.closeAllConnections(),
      setCertificate: () => undefined,
    };
  }

  const https = createAdaptorServer({ fetch: options.fetch, createServer: createHttpsServer, serverOptions: { cert: options.tls.cert, key: options.tls.key } }) as HttpsServer;
  const plain = createHttpServer((request, response) => {
    options.onPlaintext?.();
    answerPlaintext(request, response, port);
  });
  // The plaintext answer is short: nothing a client sends there deserves to be waited for long.
  plain.headersTimeout = 5_000;
  plain.requestTimeout = 5_000;
  plain.keepAliveTimeout = 1_000;

  const front: NetServer = createNetServer((socket: Socket) => {
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      // Put the byte back: the server it goes to reads the connection from its start.
      socket.unshift(chunk);
      // The TLS socket reads what is buffered itself (resuming here would hand it to no one);
      // the HTTP parser takes it as a 'data' event once the socket flows again.
      if (chunk[0] === TLS_HANDSHAKE) https.emit('connection', socket);
      else {
        plain.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, options.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const port = (front.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        front.close(() => resolve());
        // Idle keep-alive connections are closed now; the front's callback waits for the rest.
        https.close();
        plain.close();
      }),
    closeAllConnections: () => {
      https.closeAllConnections();
      plain.closeAllConnections();
    },
    setCertificate: (tls) => https.setSecureContext({ cert: tls.cert, key: tls.key }),
  };
}

/** A Host header fit to be put in a URL: a DNS name or an IP literal, with an optional port (which is replaced by ours). */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

function answerPlaintext(request: IncomingMessage, response: ServerResponse, port: number): void {
  const host = HOST.exec(request.headers.host ?? '')?.[1];
  const path = request.url && request.url.startsWith('/') && !request.url.startsWith('//') && /^[\x21-\x7e]*$/.test(request.url) ? request.url : '/';
  const target = `https://${host ?? '<this server>'}:${port}${host ? path : '/'}`;
  const text = `This port speaks HTTPS only: use ${target}\n`;
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' };
  // A browser that typed http:// follows the redirect; anything else (a shipper's POST, whose
  // body already crossed the network in clear) is told what to change, not silently moved.
  if (host && (request.method === 'GET' || request.method === 'HEAD')) response.writeHead(308, { ...headers, Location: target });
  else response.writeHead(400, headers);
  response.end(request.method === 'HEAD' ? undefined : text);
  // Nothing more is read from a plaintext client.
  request.resume();
}
