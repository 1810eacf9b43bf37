// Alice in the recording end-to-end test: answers the call (her fake microphone plays 660 Hz) and starts, pauses and
// resumes its recording with `call.recording`; her session's recorder follows the call's `recording` field and
// uploads the chunks to the server of the page's query.
import { createAgentSession } from '../../session/agent.session';
import { createMemoryChunkStore } from '../call.recorder';
import { createWebRtcProvider } from '../webrtc.provider';
import { decodeRecording, pageParams, pageTransport } from './recording.harness';
import { callSessionOf, RAW_AUDIO } from './supervision.harness';

const { server, token } = pageParams();
const provider = createWebRtcProvider({ audio: RAW_AUDIO });
const agent = createAgentSession({
  transport: pageTransport(),
  token,
  voice: { provider: () => provider },
  recording: { server, store: createMemoryChunkStore() },
});
const calls = await callSessionOf(agent);
const call = () => {
  const view = calls.$call.get();
  // Ringing: the offer's conversation, before the call has an id here.
  return view ? { cid: view.cid, callId: view.callId ?? '' } : null;
};
window.recTest = {
  ready: true,
  call,
  /** `answer`, `start`, `pause`, `resume` (the recording) or `hangup`; resolves with the call's `recording`. */
  async act(action) {
    if (action === 'answer') {
      await calls.answer();
      // Recording starts on an active call: once both browsers' media is up.
      await new Promise<void>((resolve) => {
        const stop = calls.$call.subscribe((view) => {
          if (view?.snapshot.value !== 'active') return;
          resolve();
          queueMicrotask(() => stop());
        });
      });
    }
    const current = call();
    if (!current?.callId) return null;
    if (action === 'hangup') {
      await agent.connection.command('call.hangup', current);
      return null;
    }
    if (action === 'start' || action === 'pause' || action === 'resume') {
      const { call: wire } = await agent.connection.command('call.recording', { ...current, action });
      return wire.recording ?? null;
    }
    return null;
  },
  decode: decodeRecording,
};
