import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';

// Queue position reaches a waiting customer when it changes, and again when they come back (a reload): the widget
// shows it at once instead of "waiting" until the line moves.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('queue standing', () => {
  for (const channel of ['chat', 'voice'] as const) {
    it(`is told again to a customer who reloads while their ${channel} waits`, async () => {
      const clock = createTestClock();
      const hub = createHub({
        queues: [supportQueue],
        agents: [testAgent('alice')],
        authenticate: devAuthenticate,
        clock,
      });
      cleanups.push(() => hub.close());
      const transport = createMemoryTransport({ hub });
      const open = (id: string) => {
        const session = createVisitorSession({
          transport,
          clock,
          token: `dev:visitor:${id}:${id}`,
          storageKey: false,
        });
        cleanups.push(() => session.close());
        return session;
      };
      await open('first').startChat({ channel });
      await clock.advance(1_000);
      const before = open('v1');
      const cid = await before.startChat({ channel });
      await waitFor(() => before.$position.get()?.position === 2, 'second in line');
      before.close();

      // The same visitor on a new page: the conversation comes back, and with it the place in line.
      const after = open('v1');
      const restored = await after.restore();
      assert.equal(restored?.cid, cid);
      await waitFor(() => after.$position.get()?.position === 2, 'second in line after the reload');
      assert.equal(hub.interaction(cid)?.state, 'queued');
    });
  }
});
