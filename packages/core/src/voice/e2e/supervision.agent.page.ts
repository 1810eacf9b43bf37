// Alice in supervision.e2e.test.ts: takes the call, and her browser mixes it for the supervisor.
import { createAgentSession } from '../../session/agent.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import type { CallSession } from '../call.session';
import { createAgentMixer } from '../supervision.media';
import { createWebRtcProvider } from '../webrtc.provider';
import { createListener, listeningAudio, RAW_AUDIO, waitTone } from './supervision.harness';

const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: 'agent' });
const listener = createListener();
const provider = createWebRtcProvider({
  audio: RAW_AUDIO,
  environment: { createAudio: listeningAudio(listener) },
});
const agent = createAgentSession({
  transport,
  token: 'dev:agent:alice:Alice',
  voice: { provider: () => provider },
});
// What Alice hears: the customer (the call's own element) and the supervisors (the mixer's speaker).
createAgentMixer({
  connection: agent.connection,
  supervision: agent.supervision,
  provider,
  createAudio: listeningAudio(listener),
});
await agent.setPresence('available');
const calls = await new Promise<CallSession>((resolve) => {
  const stop = agent.$calls.subscribe((session) => {
    if (!session) return;
    resolve(session);
    queueMicrotask(() => stop());
  });
});
window.supTest = {
  ready: true,
  heard: listener.heard,
  when: waitTone(listener.heard),
  cid: () => calls.$call.get()?.cid ?? null,
  async act() {
    await calls.answer();
    return null;
  },
};
