// The agent's test page of voice.e2e.test.ts: a softphone over the real WebSocket transport.
import { createAgentSession } from '../../session/agent.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import type { CallSession } from '../call.session';
import { createWebRtcProvider } from '../webrtc.provider';
import { exposeCalls } from './harness.page';

const id = new URLSearchParams(location.search).get('id') ?? 'alice';
const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: `agent-${id}` });
// The agent session takes calls itself (as the console does); the page only names the engine, for its stats.
const provider = createWebRtcProvider({ statsIntervalMs: 500 });
const agent = createAgentSession({
  transport,
  token: `dev:agent:${id}:Alice`,
  voice: { provider: () => provider },
});
await agent.setPresence('available');
// The call session exists once the session has read the queues (the server names browser voice on them).
const calls = await new Promise<CallSession>((resolve) => {
  const stop = agent.$calls.subscribe((session) => {
    if (!session) return;
    resolve(session);
    queueMicrotask(() => stop());
  });
});
const api = exposeCalls(calls, agent.connection);

document.getElementById('answer')?.addEventListener('click', () => {
  calls.answer().catch(() => undefined); // Shown through $error.
});

// After a reload the session takes the live call of this agent back by itself (see core/session/agent.voice.ts).
api.ready = true;
