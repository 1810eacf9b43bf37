// Bob in consult.e2e.test.ts: the colleague Alice consults; answers the consult leg with his microphone.
import { atom } from 'nanostores';
import type { CallView } from '../call.session';
import { createConsultMedia } from '../consult.media';
import { createConsultSession } from '../consult.session';
import { createListener, listenedAgent, pageTones, waitTone } from './supervision.harness';

const listener = createListener(pageTones());
const { provider, peer, agent } = listenedAgent('colleague', 'dev:agent:bob:Bob', listener);
// Bob has no customer call of his own here: only the consult leg's media.
const $call = atom<CallView | undefined>(undefined);
const consults = createConsultSession({ connection: agent.connection, $call });
createConsultMedia({ connection: agent.connection, consults, $call, provider, peer });
agent.connection.open();
window.supTest = {
  ready: true,
  heard: listener.heard,
  when: waitTone(listener.heard),
  cid: () => consults.$leg.get()?.cid ?? null,
  async act(action) {
    if (action === 'available') await agent.setPresence('available');
    if (action === 'answer') {
      // The consult rings for Bob: wait for it, then pick up.
      await new Promise<void>((resolve) => {
        const stop = consults.$leg.subscribe((leg) => {
          if (leg?.state !== 'ringing') return;
          resolve();
          queueMicrotask(() => stop());
        });
      });
      await consults.answer();
    }
    return consults.$leg.get()?.state ?? null;
  },
};
