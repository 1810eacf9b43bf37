import { vonageFailure } from '@helpline/core';
import type { Ncco } from './vonage.ncco';

/** An endpoint a call can reach. */
export type VonageEndpoint =
  | { readonly type: 'phone'; readonly number: string }
  | { readonly type: 'app'; readonly user: string };

/** `POST /v1/calls`: what the server sends to place a call. */
export interface CreateCallRequest {
  readonly to: readonly VonageEndpoint[];
  readonly from: { readonly type: 'phone'; readonly number: string };
  readonly ncco: Ncco;
  readonly event_url: readonly string[];
  readonly event_method: 'POST';
  readonly ringing_timer?: number | undefined;
}

/** Leg actions of `PUT /v1/calls/:uuid`. */
export type CallAction = 'hangup' | 'mute' | 'unmute' | 'earmuff' | 'unearmuff';

/** The Vonage REST calls the server makes (Voice API and Users API). */
export interface VonageApi {
  createCall(request: CreateCallRequest): Promise<{ uuid: string }>;
  updateCall(uuid: string, action: CallAction): Promise<void>;
  /**
   * Where a leg stands (`GET /v1/calls/:uuid`): `started`, `ringing`, `answered`, `completed`, `busy`… — the
   * statuses of its event webhooks. Undefined when Vonage does not know the leg.
   */
  callStatus(uuid: string): Promise<string | undefined>;
  /** Hands the leg to a new NCCO (`PUT /v1/calls/:uuid`, action `transfer`): what it hears and does next. */
  transfer(uuid: string, ncco: Ncco): Promise<void>;
  talk(uuid: string, text: string, language: string): Promise<void>;
  stream(uuid: string, url: string): Promise<void>;
  stopStream(uuid: string): Promise<void>;
  /** Creates the user if it does not exist yet (a client JWT's `sub` must name an existing user). */
  ensureUser(name: string, displayName: string): Promise<void>;
  /**
   * Downloads a recording Vonage made (the `recording_url` of a recording webhook), with the application's JWT. Only
   * from the API's own origin or a Vonage host over https: the token is never sent anywhere else.
   */
  downloadRecording(url: string, maxBytes: number): Promise<Uint8Array>;
}

/** Options of {@link createVonageApi}. */
export interface VonageApiOptions {
  /** `https://api.nexmo.com`, a regional `https://api-eu.vonage.com`, or a loopback fake in tests. */
  readonly baseUrl: string;
  /** An application JWT for the `Authorization` header. */
  readonly appToken: () => Promise<string>;
  readonly fetch?: typeof fetch | undefined;
  /** Per request, ms. Default 8 s (webhook answers never wait on these). */
  readonly timeoutMs?: number | undefined;
}

/** A small client of the Vonage REST endpoints the server uses; errors become `voice/vonage-api`. */
export function createVonageApi(options: VonageApiOptions): VonageApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 8_000;
  const knownUsers = new Set<string>();

  async function request(
    method: string,
    path: string,
    operation: string,
    body?: unknown,
    accept: readonly number[] = [],
  ): Promise<{ status: number; json: unknown }> {
    const token = await options.appToken();
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw vonageFailure('voice/vonage-api', { status: 'no answer', operation }, { cause: error });
    }
    const text = await response.text();
    if (!response.ok && !accept.includes(response.status)) {
      throw vonageFailure('voice/vonage-api', { status: response.status, operation });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  }

  const leg = (uuid: string) => `/v1/calls/${encodeURIComponent(uuid)}`;

  return {
    async createCall(call) {
      const { json } = await request('POST', '/v1/calls', 'create a call', call);
      const uuid = (json as { uuid?: unknown } | undefined)?.uuid;
      if (typeof uuid !== 'string')
        throw vonageFailure('voice/vonage-api', { status: 'no uuid', operation: 'create a call' });
      return { uuid };
    },
    async updateCall(uuid, action) {
      await request('PUT', leg(uuid), `${action} a call`, { action });
    },
    async callStatus(uuid) {
      const { status, json } = await request('GET', leg(uuid), 'read a call', undefined, [404]);
      const reported = (json as { status?: unknown } | undefined)?.status;
      return status === 404 || typeof reported !== 'string' ? undefined : reported;
    },
    async transfer(uuid, ncco) {
      await request('PUT', leg(uuid), 'transfer a call', {
        action: 'transfer',
        destination: { type: 'ncco', ncco },
      });
    },
    async talk(uuid, text, language) {
      await request('PUT', `${leg(uuid)}/talk`, 'talk into a call', { text, language });
    },
    async stream(uuid, url) {
      await request('PUT', `${leg(uuid)}/stream`, 'stream into a call', { stream_url: [url], loop: 0 });
    },
    async stopStream(uuid) {
      // Nothing playing any more is fine.
      await request('DELETE', `${leg(uuid)}/stream`, 'stop a stream', undefined, [404]);
    },
    async downloadRecording(url, maxBytes) {
      const operation = 'download a recording';
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        throw vonageFailure('voice/vonage-api', { status: 'a bad recording URL', operation });
      }
      const vonageHost = target.protocol === 'https:' && /(^|\.)(nexmo|vonage)\.com$/.test(target.hostname);
      if (target.origin !== new URL(base).origin && !vonageHost) {
        throw vonageFailure('voice/vonage-api', { status: 'a recording URL off Vonage', operation });
      }
      const token = await options.appToken();
      let response: Response;
      try {
        response = await doFetch(target, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(timeoutMs * 4),
        });
      } catch (error) {
        throw vonageFailure('voice/vonage-api', { status: 'no answer', operation }, { cause: error });
      }
      if (!response.ok) throw vonageFailure('voice/vonage-api', { status: response.status, operation });
      // Read up to the limit and no further: a larger recording is refused while it arrives, never held whole.
      const tooLarge = () =>
        vonageFailure('voice/vonage-api', { status: `a recording over ${maxBytes} bytes`, operation });
      if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw tooLarge();
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      const reader = response.body?.getReader();
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        parts.push(value);
      }
      return new Uint8Array(Buffer.concat(parts));
    },
    async ensureUser(name, displayName) {
      if (knownUsers.has(name)) return;
      // 409: the user exists already (created by an earlier run of the server).
      await request('POST', '/v1/users', 'create a user', { name, display_name: displayName }, [409]);
      knownUsers.add(name);
    },
  };
}
