import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createHub, createMemoryStorage, devAuthenticate } from '../hub';
import { createTestClock, flush, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { createAgentSession } from './agent.session';
import { createVisitorSession } from './visitor.session';

type Step =
  | { kind: 'visitor-send' }
  | { kind: 'agent-send' }
  | { kind: 'drop' }
  | { kind: 'drop-later'; microtasks: number }
  | { kind: 'outage'; ms: number }
  | { kind: 'turn' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Step>({ kind: 'visitor-send' }) },
  { weight: 5, arbitrary: fc.constant<Step>({ kind: 'agent-send' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'drop' }) },
  // Drops the link while frames and acks are in flight, so some acks are lost after the server acted.
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 30 })
      .map<Step>((microtasks) => ({ kind: 'drop-later', microtasks })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 40_000 }).map<Step>((ms) => ({ kind: 'outage', ms })) },
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'turn' }) },
);

describe('delivery over the memory transport', () => {
  it('never loses, duplicates or reorders messages, whatever the interleaving of sends and link drops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const clock = createTestClock();
        const storage = createMemoryStorage();
        const hub = createHub({
          storage,
          queues: [supportQueue],
          agents: [testAgent('alice')],
          authenticate: devAuthenticate,
          clock,
        });
        const transport = createMemoryTransport({ hub });
        const visitor = createVisitorSession({
          transport,
          clock,
          token: 'dev:visitor:v1:Ada',
          random: () => 0.3,
        });
        const agent = createAgentSession({
          transport,
          clock,
          token: 'dev:agent:alice:Alice',
          random: () => 0.7,
        });
        try {
          await agent.setPresence('available');
          const cid = await visitor.startChat({});
          await waitFor(() => agent.$offers.get()[cid] !== undefined, 'offer');
          await agent.accept(cid);

          const sent = { visitor: [] as string[], agent: [] as string[] };
          const sends: Promise<void>[] = [];
          for (const [index, s] of steps.entries()) {
            if (s.kind === 'visitor-send') {
              const text = `v${index}`;
              sent.visitor.push(text);
              sends.push(visitor.sendMessage(text));
            } else if (s.kind === 'agent-send') {
              const text = `a${index}`;
              sent.agent.push(text);
              sends.push(agent.sendMessage(cid, text));
            } else if (s.kind === 'drop') {
              transport.dropAll();
            } else if (s.kind === 'drop-later') {
              let left = s.microtasks;
              const tick = (): void => {
                if (--left <= 0) transport.dropAll();
                else queueMicrotask(tick);
              };
              queueMicrotask(tick);
            } else if (s.kind === 'outage') {
              transport.setUnreachable(true);
              transport.dropAll();
              await clock.advance(s.ms);
              transport.setUnreachable(false);
            } else {
              await flush();
            }
          }
          // Let back-off timers fire until every send is confirmed.
          let settled = false;
          void Promise.all(sends).then(() => {
            settled = true;
          });
          for (let i = 0; i < 50 && !settled; i++) await clock.advance(31_000);
          assert.ok(settled, 'every send was confirmed');
          const total = sent.visitor.length + sent.agent.length;
          await waitFor(
            () =>
              visitor.$messages.get().length === total &&
              (agent.$conversations.get()[cid]?.messages.length ?? 0) === total,
            'both sides converge',
          );

          const seen = visitor.$messages.get().map((m) => m.text);
          const agentSeen = (agent.$conversations.get()[cid]?.messages ?? []).map((m) => m.text);
          assert.deepEqual(agentSeen, seen, 'both sides show the same order');
          assert.equal(new Set(seen).size, seen.length, 'no duplicates');
          assert.deepEqual(
            seen.filter((t) => t.startsWith('v')),
            sent.visitor,
            'visitor messages in the order sent',
          );
          assert.deepEqual(
            seen.filter((t) => t.startsWith('a')),
            sent.agent,
            'agent messages in the order sent',
          );
          // The server's log is the truth: each message stored exactly once.
          const logged = (await storage.events(cid, 0, 10_000)).flatMap((e) =>
            e.ev.type === 'message' ? [e.ev.text] : [],
          );
          assert.deepEqual(logged, seen, 'the log holds each message once, in the order shown');
          const seqs = visitor.$messages.get().map((m) => m.seq ?? 0);
          assert.deepEqual(
            seqs,
            [...seqs].sort((a, b) => a - b),
            'ordered by server seq',
          );
        } finally {
          visitor.close();
          agent.close();
          hub.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
