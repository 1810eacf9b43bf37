// The app under test: a CRM page that signs an agent in with a token from the Helpline server and shows the
// agent console. Nothing in it knows about msw; the test points it at the mocked server's URL.
import { type AgentSession, createAgentSession, createWebSocketTransport } from '@helpline/core';
import { AgentConsole, HelplineProvider } from '@helpline/react';
import type { ReactNode } from 'react';

/** Gets an agent token from the server's dev-mode endpoint and opens the agent's session over its WebSocket. */
export async function signInAgent(serverUrl: string, id: string, name: string): Promise<AgentSession> {
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  const response = await fetch(new URL('v1/dev/tokens', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'agent', id, name }),
  });
  if (!response.ok) throw new Error(`the server refused an agent token (HTTP ${response.status})`);
  const { token } = (await response.json()) as { token: string };
  const socket = new URL('v1/ws', base);
  socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
  return createAgentSession({ transport: createWebSocketTransport({ url: socket.href }), token });
}

/** The support inbox of the CRM: Helpline's agent console for the signed-in agent. */
export function SupportInbox({ agent }: { readonly agent: AgentSession }): ReactNode {
  return (
    <HelplineProvider agent={agent}>
      <AgentConsole />
    </HelplineProvider>
  );
}
