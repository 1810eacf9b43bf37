import { createWebSocketTransport, helplineError } from '@helpline/core';
import type { SiteConfig } from '../config/site-config';
import type { WidgetConnectOptions } from '../loader/settings';

/** What the widget knows when it has to reach a server by itself (the `server` and `site` attributes). */
export interface ServerConnectRequest {
  /** Base URL of the Helpline server (the `server` attribute). */
  readonly server: string;
  /** The site id (the `site` attribute). */
  readonly site: string;
  /** The identity JWT from `identify()`, used as the bearer token when present. */
  readonly identity?: string;
}

/** Turns the `server` attribute into a transport, a token and the site configuration. */
export type ServerConnector = (request: ServerConnectRequest) => Promise<WidgetConnectOptions>;

const TOKEN_KEY = 'helpline:visitor-token';

async function json(response: Response): Promise<unknown> {
  if (!response.ok) throw helplineError('connection/closed');
  return response.json();
}

/**
 * The default connector, used when the page sets `server` and does not call `connect()`:
 * `GET {server}/v1/sites/{site}/widget` for the site configuration, `POST {server}/v1/visitors` for an anonymous
 * visitor token (kept in localStorage so a reload stays the same visitor), and core's WebSocket transport to
 * `{server}/v1/ws`. This module (and so the WebSocket transport) is imported only when it is needed.
 */
export const connectToServer: ServerConnector = async ({ server, site, identity }) => {
  const base = new URL(server, location.href);
  const url = (path: string) => new URL(path, base);
  const configRequest = fetch(url(`v1/sites/${encodeURIComponent(site)}/widget`), { credentials: 'omit' })
    .then(json)
    .catch(() => ({}));
  const token = identity ?? (await anonymousToken(url('v1/visitors'), site));
  const transports: Record<string, unknown> = await import('@helpline/core');
  const createWebSocketTransport = transports.createWebSocketTransport;
  if (typeof createWebSocketTransport !== 'function') {
    throw helplineError('connection/closed');
  }
  const socketUrl = url('v1/ws');
  socketUrl.protocol = socketUrl.protocol === 'http:' ? 'ws:' : 'wss:';
  return {
    transport: createWebSocketTransport({ url: socketUrl.href, site }),
    token,
    config: (await configRequest) as SiteConfig,
  };
};

async function anonymousToken(endpoint: URL, site: string): Promise<string> {
  try {
    const stored = localStorage.getItem(TOKEN_KEY);
    if (stored) return stored;
  } catch {
    // No storage: a new anonymous visitor per page load.
  }
  const body = (await json(
    await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site }),
      credentials: 'omit',
    }),
  )) as { token?: unknown };
  if (typeof body.token !== 'string')
    throw helplineError('auth/invalid-token', { detail: 'no visitor token' });
  try {
    localStorage.setItem(TOKEN_KEY, body.token);
  } catch {
    // Not persisted: the conversation is kept for this page only.
  }
  return body.token;
}
