// The agent's test page of voice.e2e.test.ts: a softphone over the real WebSocket transport.
import { createAgentSession } from '../../session/agent.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import { createCallSession } from '../call.session';
import { createWebRtcProvider } from '../webrtc.provider';
import { exposeCalls } from './harness.page';

const id = new URLSearchParams(location.search).get('id') ?? 'alice';
const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: `agent-${id}` });
const agent = createAgentSession({ transport, token: `dev:agent:${id}:Alice` });
const calls = createCallSession({
  connection: agent.connection,
  provider: createWebRtcProvider({ statsIntervalMs: 500 }),
  accept: (cid) => agent.accept(cid),
  reject: (cid) => agent.reject(cid),
});
const api = exposeCalls(calls, agent.connection);

document.getElementById('answer')?.addEventListener('click', () => {
  calls.answer().catch(() => undefined); // Shown through $error.
});

await agent.setPresence('available');
// After a reload: take over the call of the interaction this agent is handling.
const { interactions } = await agent.connection.command('agent.snapshot', {});
for (const interaction of interactions) {
  if (interaction.channel === 'voice' && interaction.state === 'active') await calls.attach(interaction.id);
}
api.ready = true;
