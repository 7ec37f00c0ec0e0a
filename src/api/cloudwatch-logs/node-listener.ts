/**
 * @module A `node:http` request listener around `handleCloudWatchLogs`: it refuses oversized
 * bodies by Content-Length before reading them and stops reading once a body passes the limit.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse } from './errors.js';
import { handleCloudWatchLogs, type CloudWatchLogsContext, type CloudWatchLogsResponse } from './handle-cloudwatch-logs.js';
import { checkDeclaredLength, maxRawBodyBytes, tooLarge } from './limits.js';

export function cloudWatchLogsListener(context: CloudWatchLogsContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const headers = flattenHeaders(req);
    const early = checkDeclaredLength(headers);
    if (early) {
      send(res, errorResponse(early, randomUUID(), context.nowMs()), true);
      return;
    }
    const limit = maxRawBodyBytes(headers);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        send(res, errorResponse(tooLarge(undefined, limit), randomUUID(), context.nowMs()), true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      void handleCloudWatchLogs(
        { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers, body: Buffer.concat(chunks), ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) },
        context,
      ).then((response) => send(res, response, false));
    });
  };
}

function send(res: ServerResponse, response: CloudWatchLogsResponse, close: boolean): void {
  if (res.headersSent) return;
  // An unread body cannot be left on a kept-alive connection.
  if (close) res.setHeader('connection', 'close');
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** Node joins repeated headers itself (with ", "); set-cookie-like arrays do not occur in requests we serve. */
function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
