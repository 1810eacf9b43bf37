// The visitor's test page of voice.e2e.test.ts: click-to-call over the real WebSocket transport.
import { createVisitorSession } from '../../session/visitor.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import { createCallSession } from '../call.session';
import { createWebRtcProvider } from '../webrtc.provider';
import { exposeCalls } from './harness.page';

const id = new URLSearchParams(location.search).get('id') ?? 'v1';
const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: `visitor-${id}` });
const session = createVisitorSession({ transport, token: `dev:visitor:${id}:Ada`, storageKey: `e2e-${id}` });
const calls = createCallSession({
  connection: session.connection,
  provider: createWebRtcProvider({ statsIntervalMs: 500 }),
});
const api = exposeCalls(calls, session.connection);

document.getElementById('call')?.addEventListener('click', () => {
  calls.call(() => session.startChat({ channel: 'voice' })).catch(() => undefined); // Shown through $error.
});

// After a reload: back in the same conversation, and in its call if one is live.
const restored = await session.restore();
if (restored?.interaction?.channel === 'voice')
  await calls.attach(restored.interaction.id).catch(() => false);
api.ready = true;
