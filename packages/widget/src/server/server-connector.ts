import {
  CLOSE_CODES,
  createLeaderTransport,
  createWebSocketTransport,
  type ErrorPayload,
  HelplineError,
  helplineError,
  isHelplineError,
  type Transport,
} from '@helpline/core';
import { continueByEmail } from '../email/email.offer';
import type { WidgetConnectOptions } from '../loader/settings';
import { type ServerSiteConfig, toSiteConfig } from './site-config.map';

/** What the widget knows when it has to reach a server by itself (the `server` and `site` attributes). */
export interface ServerConnectRequest {
  /** Base URL of the Helpline server (the `server` attribute). */
  readonly server: string;
  /** The site id (the `site` attribute). */
  readonly site: string;
  /** The identity JWT from `identify()`: the server vouches for the visitor with it. */
  readonly identity?: string | undefined;
}

/** Turns the `server` attribute into a transport, a token and the site configuration. */
export type ServerConnector = (request: ServerConnectRequest) => Promise<WidgetConnectOptions>;

/** A visitor session as `POST /v1/sessions/visitor` returns it. */
interface VisitorGrant {
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly visitorId: string;
}

/** A token this close to its expiry is replaced before a connect. */
const EXPIRY_MARGIN_MS = 60_000;

async function json(response: Response): Promise<unknown> {
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body;
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  if (response.status === 401 || error?.code === 'auth/invalid-token') {
    throw helplineError('auth/invalid-token', { detail: `HTTP ${response.status}` });
  }
  // A site the server does not know: retrying cannot help, and the panel says chat is unavailable here.
  if (error?.code === 'site/unknown') throw HelplineError.fromPayload(error as ErrorPayload);
  throw helplineError('connection/closed');
}

function grantOf(body: unknown): VisitorGrant {
  const record = (body ?? {}) as { token?: unknown; expiresAt?: unknown; visitor?: { id?: unknown } };
  const visitorId = record.visitor?.id;
  if (
    typeof record.token !== 'string' ||
    typeof record.expiresAt !== 'number' ||
    typeof visitorId !== 'string'
  ) {
    throw helplineError('auth/invalid-token', { detail: 'no visitor token' });
  }
  return { token: record.token, expiresAt: record.expiresAt, visitorId };
}

/**
 * The visitor's token for one server and site: kept in localStorage (so a reload is the same visitor, in the
 * same conversation), replaced when it expires or the server refuses it.
 */
export function createVisitorTokens(options: {
  readonly server: URL;
  readonly site: string;
  readonly identity?: string | undefined;
  readonly now?: () => number;
}) {
  const { server, site, identity } = options;
  const now = options.now ?? Date.now;
  // An identified visitor's token belongs to that identity: keep it apart from the anonymous one.
  const key = `helpline:visitor:${server.href}:${site}${identity ? ':identified' : ''}`;
  let grant: VisitorGrant | undefined = read();
  /** The current grant came from this page's request, not from storage. */
  let issuedHere = false;
  let pending: Promise<VisitorGrant> | undefined;

  function read(): VisitorGrant | undefined {
    try {
      const stored = localStorage.getItem(key);
      return stored ? grantOf(JSON.parse(stored)) : undefined;
    } catch {
      return undefined; // Nothing usable stored (or no storage): a new session.
    }
  }

  async function issue(): Promise<VisitorGrant> {
    const response = await fetch(new URL('v1/sessions/visitor', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site, ...(identity ? { identity } : {}) }),
      credentials: 'omit',
    });
    const issued = grantOf(await json(response));
    grant = issued;
    issuedHere = true;
    try {
      localStorage.setItem(
        key,
        JSON.stringify({
          token: issued.token,
          expiresAt: issued.expiresAt,
          visitor: { id: issued.visitorId },
        }),
      );
    } catch {
      // Not persisted: the conversation is kept for this page only.
    }
    return issued;
  }

  return {
    /** A valid grant: the stored one while it is not about to expire, else a new one. */
    current(): Promise<VisitorGrant> {
      if (grant && grant.expiresAt - now() > EXPIRY_MARGIN_MS) return Promise.resolve(grant);
      pending ??= issue().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    /**
     * The server refused the token: forget it. True when a new one is worth trying (the refused one came
     * from storage); false when a token issued just now was refused, which another try will not change.
     */
    refused(): boolean {
      const retry = !issuedHere;
      grant = undefined;
      try {
        localStorage.removeItem(key);
      } catch {
        // Nothing stored.
      }
      return retry;
    },
  };
}

/** The socket, except that a refused stored token closes as a broken link, so the reconnect gets a new one. */
function renewingRefusedTokens(
  transport: Transport,
  tokens: ReturnType<typeof createVisitorTokens>,
): Transport {
  return {
    open(handlers) {
      return transport.open({
        ...handlers,
        onClose(info) {
          if (info.code === CLOSE_CODES.unauthorized && tokens.refused()) {
            handlers.onClose({ code: 1006, reason: 'visitor token renewed' });
          } else {
            handlers.onClose(info);
          }
        },
      });
    },
  };
}

/**
 * The default connector, used when the page sets `server` and does not call `connect()`:
 * `GET {server}/v1/sites/{site}/config?tz=` for the site configuration, `POST {server}/v1/sessions/visitor`
 * for the visitor's token (kept in localStorage per server and site, renewed when it expires or is refused),
 * and one WebSocket to `{server}/v1/ws` per browser, shared by its tabs (core's leader transport). This module
 * is imported only when it is needed; the voice engine only when a call starts.
 */
export const connectToServer: ServerConnector = async (request) => {
  try {
    return await connect(request);
  } catch (error) {
    // The visitor sees plain words; the developer gets the reason here, once.
    const why = isHelplineError(error)
      ? `${error.code}: ${error.message}`
      : `${String(error)} — the server is down, or refused this page's origin (a page cannot tell a CORS refusal from a network error): check the server URL and the site's origins`;
    console.error(`[helpline] cannot connect to ${request.server} for site ${request.site}: ${why}`);
    throw error;
  }
};

async function connect({ server, site, identity }: ServerConnectRequest): Promise<WidgetConnectOptions> {
  const base = new URL(server.endsWith('/') ? server : `${server}/`, location.href);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const configUrl = new URL(`v1/sites/${encodeURIComponent(site)}/config`, base);
  if (timeZone) configUrl.searchParams.set('tz', timeZone);
  const configRequest = fetch(configUrl, { credentials: 'omit' }).then(json) as Promise<ServerSiteConfig>;
  configRequest.catch(() => undefined); // Awaited below; an early failure must not be reported as unhandled.
  const tokens = createVisitorTokens({ server: base, site, ...(identity ? { identity } : {}) });
  const { visitorId } = await tokens.current();
  const serverConfig = await configRequest;
  const socketUrl = new URL('v1/ws', base);
  socketUrl.protocol = socketUrl.protocol === 'http:' ? 'ws:' : 'wss:';
  const socket = createWebSocketTransport({ url: socketUrl.href, site });
  const transport = createLeaderTransport({
    transport: renewingRefusedTokens(socket, tokens),
    scope: `${site}:${visitorId}`,
  });
  const token = async () => (await tokens.current()).token;
  const voice = serverConfig.voice;
  return {
    transport,
    token,
    config: toSiteConfig(serverConfig),
    // Uploads go to the same server, checked against the site's allow-list before a byte is sent. A site that allows
    // no type gets no attach button.
    ...(serverConfig.attachments?.types.length === 0
      ? {}
      : {
          attachments: {
            baseUrl: base.href,
            site,
            ...(serverConfig.attachments ? { policy: serverConfig.attachments } : {}),
          },
        }),
    // "Get replies by email" where the server sends mail.
    ...(serverConfig.email ? { email: continueByEmail() } : {}),
    ...(voice
      ? {
          voice: async () =>
            (await import('./server-voice')).createServerVoice({
              voice,
              server: base.href,
              token,
              isLeader: transport.$isLeader,
            }),
        }
      : {}),
  };
}
