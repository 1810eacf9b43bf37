// Runs from the packed tarballs (scripts/lib/consumer-check.mjs): starts the server on a free port in dev mode,
// mints an agent token, connects an agent session from core over a WebSocket, goes available, and closes.
import { createAgentSession, createWebSocketTransport } from '@helpline/core';
import { DEV_CONFIG, parseConfig, silentLogger, startServer } from '@helpline/server';
import { WebSocket } from 'ws';

const server = await startServer({
  config: parseConfig(DEV_CONFIG),
  storage: { kind: 'pglite', dataDir: 'memory://' },
  port: 0,
  dev: true,
  logger: silentLogger,
});
try {
  const response = await fetch(`${server.url}/v1/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'agent', id: DEV_CONFIG.agents[0].id }),
  });
  if (response.status !== 201) throw new Error(`dev token: HTTP ${response.status} ${await response.text()}`);
  const { token } = await response.json();
  const agent = createAgentSession({
    transport: createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: WebSocket }),
    token,
    voice: false,
  });
  const unsubscribe = agent.$presence.listen(() => {});
  await agent.setPresence('available');
  const presence = agent.$presence.get().status;
  const connection = agent.$connection.get().value;
  unsubscribe();
  agent.close();
  if (presence !== 'available') throw new Error(`presence is ${presence}, expected available`);
  console.log(
    `agent ${DEV_CONFIG.agents[0].id} ${presence} over ${connection} socket at ${server.socketUrl}`,
  );
} finally {
  await server.close();
}
