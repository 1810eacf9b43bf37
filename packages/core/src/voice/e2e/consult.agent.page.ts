// Alice in supervision.e2e.test.ts's consults: takes the call, consults Bob, returns, merges; her browser mixes the
// consult (and, with `?supervised`, the call for a supervisor too).
import { atom } from 'nanostores';
import type { CallView } from '../call.session';
import { createConsultMedia } from '../consult.media';
import { createConsultSession } from '../consult.session';
import { createAgentMixer } from '../supervision.media';
import {
  callSessionOf,
  createListener,
  listenedAgent,
  listeningAudio,
  pageTones,
  RAW_AUDIO,
  waitTone,
} from './supervision.harness';

/** The hold music of the test: one steady note. */
const HOLD_NOTE = Number(new URLSearchParams(location.search).get('hold') ?? '330');
const listener = createListener(pageTones());
const { provider, agent } = listenedAgent('agent', 'dev:agent:alice:Alice', listener);
const $call = atom<CallView | undefined>(undefined);
const consults = createConsultSession({ connection: agent.connection, $call });
// What Alice hears: the customer (the call's own element) and the colleague (the consult media's speaker).
createConsultMedia({
  connection: agent.connection,
  consults,
  $call,
  provider,
  peer: { audio: RAW_AUDIO },
  holdMusic: { frequency: HOLD_NOTE, pulse: 0 },
  createAudio: listeningAudio(listener),
});
// With `supervised`, her browser also mixes the call for a supervisor, as the agent session does by default.
if (new URLSearchParams(location.search).has('supervised')) {
  createAgentMixer({
    connection: agent.connection,
    supervision: agent.supervision,
    provider,
    createAudio: listeningAudio(listener),
  });
}
const calls = await callSessionOf(agent);
calls.$call.subscribe((call) => $call.set(call));
window.supTest = {
  ready: true,
  heard: listener.heard,
  when: waitTone(listener.heard),
  cid: () => calls.$call.get()?.cid ?? null,
  async act(action, argument) {
    if (action === 'answer') await calls.answer();
    if (action === 'consult') await consults.consult({ kind: 'agent', id: argument ?? '' });
    if (action === 'return') await consults.returnToCustomer();
    if (action === 'merge') await consults.merge();
    return $call.get()?.snapshot.value ?? null;
  },
};
