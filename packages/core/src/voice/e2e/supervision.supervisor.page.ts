// Sam in supervision.e2e.test.ts: monitors, whispers and barges from the browser.

import { createSupervisorSession } from '../../session/supervisor.session';
import type { SupervisionMode } from '../../supervision/supervision.machine';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import { createSupervisorMedia } from '../supervision.media';
import { createListener, listeningAudio, RAW_AUDIO, TONES, waitTone } from './supervision.harness';

const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site: 'supervisor' });
const supervisor = createSupervisorSession({ transport, token: 'dev:supervisor:sam:Sam' });
const listener = createListener();
createSupervisorMedia({
  connection: supervisor.connection,
  supervision: supervisor.supervision,
  peer: { audio: RAW_AUDIO, environment: { createAudio: listeningAudio(listener) } },
});
supervisor.connection.open();
const when = waitTone(listener.heard);
window.supTest = {
  ready: true,
  heard: listener.heard,
  when,
  cid: () => null,
  /** `start`/`mode` with a cid: resolves with the time the command was sent (Date.now()). */
  async act(action, argument) {
    const [cid, mode] = (argument ?? '').split(' ') as [string, SupervisionMode];
    const sentAt = Date.now();
    if (action === 'start') {
      await supervisor.supervision.start(cid, mode);
      // Monitor → hearing the call: both parties' tones reach the supervisor.
      const visitor = await when(TONES.visitor, true, 10_000);
      const agent = await when(TONES.agent, true, 10_000);
      return visitor === null || agent === null ? 'not heard' : Math.max(visitor, agent) - sentAt;
    }
    if (action === 'mode') await supervisor.supervision.setMode(cid, mode);
    if (action === 'stop') await supervisor.supervision.stop(cid);
    return sentAt;
  },
};
