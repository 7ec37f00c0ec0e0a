/** @module One small HTTP request and its text answer (instance metadata, a container's credentials endpoint), bounded in time and size. */
import { request, type IncomingHttpHeaders } from 'node:http';

/** The request got no answer (unreachable, timed out, too large); `message` says which. */
export class HttpTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpTextError';
  }
}

/** One small request over node:http (not fetch, whose undici costs the agent ~8 MB of RSS), the whole exchange bounded by `timeoutMs`. */
export function httpText(method: string, url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > 64 * 1024) return res.destroy(new HttpTextError(`${url} answered more than 64 KiB.`));
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolvePromise({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
      });
    });
    const timer = setTimeout(() => req.destroy(new HttpTextError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(e: Error): void {
      clearTimeout(timer);
      reject(e instanceof HttpTextError ? e : new HttpTextError(`${url} is unreachable (${e.message}).`));
    }
    req.on('error', fail);
    req.end();
  });
}
