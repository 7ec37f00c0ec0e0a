/**
 * @module Test support: a loopback TCP proxy in front of OpenSearch that can be cut (every
 * connection dropped, new ones refused) and restored, and that reads the HTTP requests passing
 * through (method, path, Content-Length, Transfer-Encoding) so that tests can count `_bulk` bodies.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  contentLength: number | undefined;
  chunked: boolean;
}

/** Reads request heads off a client→server byte stream and skips their bodies (Content-Length only). */
class RequestReader {
  private buffer: Buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private broken = false;

  constructor(private readonly onRequest: (request: SeenRequest) => void) {}

  push(data: Buffer): void {
    if (this.broken) return;
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, this.buffer.length);
        this.buffer = this.buffer.subarray(skip);
        this.bodyLeft -= skip;
        if (this.bodyLeft > 0) return;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.buffer = this.buffer.subarray(end + 4);
      const [method = '', path = ''] = (lines[0] ?? '').split(' ');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = headers.get('content-length');
      const chunked = /chunked/i.test(headers.get('transfer-encoding') ?? '');
      this.onRequest({ method, path, contentLength: length === undefined ? undefined : Number(length), chunked });
      // A chunked body cannot be skipped by length: stop reading (the test fails on `chunked` anyway).
      if (chunked) {
        this.broken = true;
        return;
      }
      this.bodyLeft = length === undefined ? 0 : Number(length);
    }
  }
}

export class TcpProxy {
  readonly requests: SeenRequest[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 80) });
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests whose path starts with `prefix` (e.g. `/_bulk`). */
  seen(prefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  /** Drops every connection and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      const reader = new RequestReader((r) => this.requests.push(r));
      this.sockets.add(client).add(upstream);
      client.on('data', (d: Buffer) => {
        reader.push(d);
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', drop).on('error', drop);
      upstream.on('close', drop).on('error', drop);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }
}
