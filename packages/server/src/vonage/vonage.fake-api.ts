// A loopback stand-in for the Vonage REST endpoints the server calls (api.nexmo.com / api-*.vonage.com):
// `POST /v1/calls`, `GET|PUT /v1/calls/:uuid`, `PUT|DELETE /v1/calls/:uuid/{talk,stream}`, `POST /v1/users`, and
// `GET /v1/files/:id` (the recordings a `record` action made, as a recording webhook's `recording_url` names them).
// It checks the application JWT on every request and records what it was asked. Test-only.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify, SignJWT } from 'jose';

/** One request the fake received. */
export interface FakeApiRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** The application id in the request's JWT (undefined when it did not verify). */
  readonly applicationId: string | undefined;
  readonly status: number;
  /** The leg id the fake gave a `POST /v1/calls`. */
  readonly uuid?: string | undefined;
}

/** The running fake. */
export interface FakeVonageApi {
  readonly url: string;
  readonly requests: FakeApiRequest[];
  /** Resolves with the first request (already received or still to come) that matches. */
  next(
    match: (request: FakeApiRequest) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<FakeApiRequest>;
  /** Makes the next `POST /v1/calls` answer this status. */
  failNextCall(status: number): void;
  /** Makes the next `GET /v1/files/:id` (a recording's download) answer this status. */
  failNextFile(status: number): void;
  /** Keeps a recording, as Vonage does after a `record` action; answers its `recording_url`. */
  addRecording(bytes: Uint8Array): string;
  /**
   * Sets where a leg stands, as `GET /v1/calls/:uuid` answers (legs the fake placed start as `started`; a hang-up
   * makes them `completed`; a leg never set or placed is unknown: 404).
   */
  setLegStatus(uuid: string, status: string): void;
  close(): Promise<void>;
}

/**
 * Posts a webhook to `url` as Vonage signs it: an HS256 JWT with the application id, the body's SHA-256 in
 * `payload_hash` and a fresh `jti`.
 */
export async function postVonageWebhook(
  url: string,
  body: object,
  signer: { readonly applicationId: string; readonly secret: string },
): Promise<Response> {
  const text = JSON.stringify(body);
  const jwt = await new SignJWT({
    application_id: signer.applicationId,
    payload_hash: createHash('sha256').update(text).digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(signer.secret));
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: text,
  });
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the fake on 127.0.0.1; it accepts JWTs signed by the key whose public half is `publicKeyPem`. */
export async function startFakeVonageApi(publicKeyPem: string): Promise<FakeVonageApi> {
  const key = await importSPKI(publicKeyPem, 'RS256');
  const requests: FakeApiRequest[] = [];
  const waiters = new Set<() => void>();
  const users = new Set<string>();
  const failures: number[] = [];
  const fileFailures: number[] = [];
  let nextLeg = 1;
  const legStatuses = new Map<string, string>();
  const recordings = new Map<string, Uint8Array>();

  function answer(
    method: string,
    path: string,
    body: Record<string, unknown>,
    applicationId: string | undefined,
  ): [number, unknown?] {
    if (!applicationId) return [401, { title: 'Unauthorized' }];
    if (method === 'POST' && path === '/v1/calls') {
      const failure = failures.shift();
      if (failure !== undefined) return [failure, { title: 'Bad Request' }];
      const uuid = `leg-${nextLeg++}`;
      legStatuses.set(uuid, 'started');
      return [201, { uuid, status: 'started', direction: 'outbound' }];
    }
    if (method === 'POST' && path === '/v1/users') {
      const name = String(body.name);
      if (users.has(name)) return [409, { title: 'Conflict' }];
      users.add(name);
      return [201, { id: `USR-${name}`, name }];
    }
    const leg = /^\/v1\/calls\/([^/]+)$/.exec(path)?.[1];
    if (leg !== undefined && method === 'GET') {
      const status = legStatuses.get(decodeURIComponent(leg));
      return status === undefined ? [404, { title: 'Not found' }] : [200, { uuid: leg, status }];
    }
    if (leg !== undefined && method === 'PUT') {
      if (body.action === 'hangup') legStatuses.set(decodeURIComponent(leg), 'completed');
      return [204];
    }
    if (/^\/v1\/calls\/[^/]+\/(talk|stream)$/.test(path) && (method === 'PUT' || method === 'DELETE')) {
      return [200, { message: 'ok' }];
    }
    return [404, { title: 'Not found' }];
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readJson(request);
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      let applicationId: string | undefined;
      try {
        const { payload } = await jwtVerify(token ?? '', key, { algorithms: ['RS256'] });
        applicationId = typeof payload.application_id === 'string' ? payload.application_id : undefined;
      } catch {
        applicationId = undefined;
      }
      const path = new URL(request.url ?? '/', 'http://fake').pathname;
      const method = request.method ?? 'GET';
      const file = /^\/v1\/files\/([^/]+)$/.exec(path)?.[1];
      if (method === 'GET' && file !== undefined) {
        const failure = applicationId ? fileFailures.shift() : undefined;
        const bytes = applicationId && failure === undefined ? recordings.get(file) : undefined;
        const status = !applicationId ? 401 : (failure ?? (bytes ? 200 : 404));
        requests.push({ method, path, body, applicationId, status });
        for (const wake of [...waiters]) wake();
        response.writeHead(status, bytes ? { 'content-type': 'audio/mpeg' } : {});
        response.end(bytes);
        return;
      }
      const [status, json] = answer(method, path, body, applicationId);
      const uuid = (json as { uuid?: string } | undefined)?.uuid;
      requests.push({ method, path, body, applicationId, status, ...(uuid ? { uuid } : {}) });
      for (const wake of [...waiters]) wake();
      response.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
      response.end(json === undefined ? undefined : JSON.stringify(json));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    next(match, what, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.find(match);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `fake Vonage API: no ${what}; got ${JSON.stringify(requests.map((r) => `${r.method} ${r.path}`))}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    failNextCall(status) {
      failures.push(status);
    },
    failNextFile(status) {
      fileFailures.push(status);
    },
    addRecording(bytes) {
      const id = `rec-${recordings.size + 1}`;
      recordings.set(id, bytes);
      return `http://127.0.0.1:${port}/v1/files/${id}`;
    },
    setLegStatus(uuid, status) {
      legStatuses.set(uuid, status);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
