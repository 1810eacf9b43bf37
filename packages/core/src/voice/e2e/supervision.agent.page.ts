// Alice in supervision.e2e.test.ts: takes the call, and her browser mixes it for the supervisor.
import { createAgentMixer } from '../supervision.media';
import {
  callSessionOf,
  createListener,
  listenedAgent,
  listeningAudio,
  waitTone,
} from './supervision.harness';

const listener = createListener();
const { provider, agent } = listenedAgent('agent', 'dev:agent:alice:Alice', listener);
// What Alice hears: the customer (the call's own element) and the supervisors (the mixer's speaker).
createAgentMixer({
  connection: agent.connection,
  supervision: agent.supervision,
  provider,
  createAudio: listeningAudio(listener),
});
const calls = await callSessionOf(agent);
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
