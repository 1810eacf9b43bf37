// An HTTP request carried over the bus to the leader and answered there: for routes whose state lives with the hub
// and not in the database (Vonage's call legs), so they run on the leader whichever instance the request reached.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** A request as it crosses the bus. */
export interface ForwardedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  /** The body, base64. */
  readonly body: string;
}

/** The answer as it crosses back. */
export interface ForwardedReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body, base64. */
  readonly body: string;
}

/** Reads `request` (at most `limit` bytes of body; the route refuses what is larger) into a {@link ForwardedRequest}. */
export async function readForwarded(request: IncomingMessage, limit: number): Promise<ForwardedRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    // One byte over says "too large" to the route that reads it on the leader.
    if (size > limit + 1) break;
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  delete headers['content-length'];
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers,
    remoteAddress: request.socket.remoteAddress ?? '-',
    body: Buffer.concat(chunks)
      .subarray(0, limit + 1)
      .toString('base64'),
  };
}

/**
 * Runs `handle` (a route handler of the Node HTTP shape) on a forwarded request, and resolves with its answer once
 * it has ended it.
 */
export function answerForwarded(
  forwarded: ForwardedRequest,
  handle: (request: IncomingMessage, response: ServerResponse) => boolean,
): Promise<ForwardedReply> {
  const body = Buffer.from(forwarded.body, 'base64');
  const request = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method: forwarded.method,
    url: forwarded.url,
    headers: { ...forwarded.headers, 'content-length': String(body.length) },
    socket: { remoteAddress: forwarded.remoteAddress },
  }) as unknown as IncomingMessage;
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    let status = 200;
    let sent = false;
    const setHeaders = (more: Readonly<Record<string, string | number>> = {}) => {
      for (const [name, value] of Object.entries(more)) headers[name.toLowerCase()] = String(value);
    };
    const response = {
      get headersSent() {
        return sent;
      },
      setHeader(name: string, value: string | number) {
        setHeaders({ [name]: value });
        return response;
      },
      writeHead(code: number, more?: Record<string, string | number>) {
        status = code;
        setHeaders(more);
        sent = true;
        return response;
      },
      end(text?: string | Buffer) {
        sent = true;
        const bytes = text === undefined ? Buffer.alloc(0) : Buffer.from(text);
        resolve({ status, headers, body: bytes.toString('base64') });
        return response;
      },
      destroy() {
        resolve({ status: 502, headers: {}, body: '' });
      },
    };
    if (!handle(request, response as unknown as ServerResponse)) {
      resolve({ status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' });
    }
  });
}

/** Writes a forwarded answer to the client that asked. */
export function writeForwarded(response: ServerResponse, reply: ForwardedReply): void {
  const body = Buffer.from(reply.body, 'base64');
  response.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  response.end(body);
}
