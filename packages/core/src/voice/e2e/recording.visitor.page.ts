// The visitor of the recording end-to-end test: calls from the browser (the fake microphone plays 440 Hz); the page
// also decodes the recordings the test fetched.
import { createVisitorSession } from '../../session/visitor.session';
import { createCallSession } from '../call.session';
import { createWebRtcProvider } from '../webrtc.provider';
import { decodeRecording, pageParams, pageTransport } from './recording.harness';
import { RAW_AUDIO } from './supervision.harness';

const session = createVisitorSession({
  transport: pageTransport(),
  token: pageParams().token,
  storageKey: false,
});
const calls = createCallSession({
  connection: session.connection,
  provider: createWebRtcProvider({ audio: RAW_AUDIO }),
});
window.recTest = {
  ready: true,
  call: () => {
    const call = calls.$call.get();
    return call?.callId ? { cid: call.cid, callId: call.callId } : null;
  },
  async act() {
    return await calls.call(() => session.startChat({ channel: 'voice' }));
  },
  decode: decodeRecording,
};
