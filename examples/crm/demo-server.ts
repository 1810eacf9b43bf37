// How the demo apps reach the Helpline server: its URL comes from the page's <meta name="helpline-server">
// (the demo rewrites it when the server runs on another port), tokens from the dev-mode token endpoint.
import { createLeaderTransport, createWebSocketTransport, type LeaderTransport } from '@helpline/core';

/** The Helpline server's base URL named by the page. */
export function serverUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="helpline-server"]');
  return meta?.content || 'http://127.0.0.1:8787';
}

/** A demo token for a staff member (dev mode only: the route does not exist on a production server). */
export async function devToken(role: 'agent' | 'supervisor', id: string, name: string): Promise<string> {
  const response = await fetch(new URL('v1/dev/tokens', serverUrl()), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, id, name }),
  });
  if (!response.ok) throw new Error(`the server refused a ${role} token (${response.status})`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('the server sent no token');
  return body.token;
}

/**
 * Core's WebSocket transport to the server's socket endpoint, shared by every tab of the browser signed in as the
 * same staff member (core's leader transport, `who` = `<role>:<id>`): one socket, and one tab that rings. Dispose
 * of it when that person signs out.
 */
export function serverTransport(who: string): LeaderTransport {
  const url = new URL('v1/ws', serverUrl());
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return createLeaderTransport({
    transport: createWebSocketTransport({ url: url.href }),
    scope: `helpline-demo:${who}`,
  });
}
