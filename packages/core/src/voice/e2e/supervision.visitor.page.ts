// The visitor of supervision.e2e.test.ts and consult.e2e.test.ts: calls from the browser; hears what the agent's
// browser sends.
import { createVisitorSession } from '../../session/visitor.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import { createCallSession } from '../call.session';
import { createWebRtcProvider } from '../webrtc.provider';
import { createListener, listeningAudio, pageTones, RAW_AUDIO, waitTone } from './supervision.harness';

const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: 'visitor' });
const session = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada', storageKey: 'sup-e2e' });
const listener = createListener(pageTones());
const calls = createCallSession({
  connection: session.connection,
  provider: createWebRtcProvider({
    audio: RAW_AUDIO,
    environment: { createAudio: listeningAudio(listener) },
  }),
});
window.supTest = {
  ready: true,
  heard: listener.heard,
  when: waitTone(listener.heard),
  cid: () => calls.$call.get()?.cid ?? null,
  async act() {
    await calls.call(() => session.startChat({ channel: 'voice' }));
    return null;
  },
};
