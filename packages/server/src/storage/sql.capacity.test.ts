// What SQL storage checks before it stores a step (CommitOptions): the record still in the state the hub's copy took
// it from, and room for an agent an accept makes hold the interaction, counted by the records under a lock on the
// agent (and, for an agent whose call blocks chats, no call held) — on PGlite and on PostgreSQL, where two accepts for
// one agent run on two connections at once.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Channel, type Interaction, isHelplineError } from '@helpline/core';
import type { CapacityHold, InteractionSnapshot, StoredInteraction } from '@helpline/core/hub';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../testing/databases';
import { openStorage, type SqlStorage } from './sql.storage';

function record(id: string, state: string, agentId?: string, channel: Channel = 'chat'): StoredInteraction {
  const interaction: Interaction = {
    id,
    channel,
    state,
    queueId: 'support',
    customer: { id: `v-${id}`, identified: false, attributes: {} },
    participants: [],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: 1_000 },
    ...(agentId ? { agentId } : {}),
  };
  const snapshot = {
    value: state,
    context: { queueId: 'support', timestamps: { createdAt: 1_000 } },
  } as unknown as InteractionSnapshot;
  return { interaction, snapshot, open: true };
}

const hold = (capacity: number): CapacityHold => ({
  agentId: 'alice',
  channel: 'chat',
  capacity,
  states: ['active', 'wrap-up'],
});

/** Stores `id` as accepted by alice, checked as an accept is (`callsBlock`: as for an agent whose call blocks chats). */
const accept = (storage: SqlStorage, id: string, capacity: number, callsBlock = false) =>
  storage.commit(
    id,
    [{ at: 2_000, ev: { type: 'state', state: 'active' } }],
    () => record(id, 'active', 'alice'),
    {
      expectState: 'offered',
      holds: {
        ...hold(capacity),
        ...(callsBlock ? { blockedBy: { channel: 'voice', states: ['active', 'on-hold', 'wrap-up'] } } : {}),
      },
    },
  );

describe('SQL storage: the checks of a step', async () => {
  const targets: { name: string; open: () => Promise<SqlStorage>; drop?: () => Promise<void> }[] = [
    { name: 'PGlite', open: async () => openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() }) },
  ];
  const available = await testPostgresUrl();
  if (!('skip' in available)) {
    const target = postgresTarget(available.url);
    targets.push({ name: 'PostgreSQL', open: () => openStorage(target), drop: () => target.drop() });
  }
  const opened: SqlStorage[] = [];
  after(async () => {
    for (const storage of opened) await storage.close();
    for (const target of targets) await target.drop?.();
  });

  for (const target of targets) {
    describe(target.name, () => {
      it('refuses a step whose record moved on, and stores nothing of it', async () => {
        const storage = await target.open();
        opened.push(storage);
        await storage.putInteraction(record('x1', 'active', 'carol'));
        await assert.rejects(
          storage.commit(
            'x1',
            [{ at: 2_000, ev: { type: 'state', state: 'queued' } }],
            () => record('x1', 'queued'),
            {
              expectState: 'offered',
            },
          ),
          (error) => isHelplineError(error) && error.code === 'conflict/state',
        );
        assert.equal(await storage.lastSeq('x1'), 0, 'no event stored');
        assert.equal(
          (await storage.getInteraction('x1'))?.interaction.state,
          'active',
          'the record as it was',
        );
      });

      it('admits one of two accepts at once for an agent with room for one more, by the records', async () => {
        const storage = await target.open();
        opened.push(storage);
        await storage.putInteraction(record('y1', 'active', 'alice'));
        await storage.putInteraction(record('y2', 'offered', 'alice'));
        await storage.putInteraction(record('y3', 'offered', 'alice'));
        const results = await Promise.allSettled([accept(storage, 'y2', 2), accept(storage, 'y3', 2)]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one accept stored');
        const refused = results.find((r) => r.status === 'rejected');
        assert.ok(refused && isHelplineError(refused.reason) && refused.reason.code === 'agent/capacity');
        const held = (await storage.openInteractions()).filter(
          (r) => r.interaction.agentId === 'alice' && r.interaction.state === 'active',
        );
        assert.equal(held.length, 2, 'alice holds her capacity, not more');
        // A third, later, is refused too.
        await storage.putInteraction(record('y4', 'offered', 'alice'));
        await assert.rejects(
          accept(storage, 'y4', 2),
          (error) => isHelplineError(error) && error.code === 'agent/capacity',
        );
      });

      it("refuses a chat's accept while the agent holds a call by the records, when calls block chats", async () => {
        const storage = await target.open();
        opened.push(storage);
        await storage.putInteraction(record('v1', 'active', 'alice', 'voice'));
        await storage.putInteraction(record('z1', 'offered', 'alice'));
        await storage.putInteraction(record('z2', 'offered', 'alice'));
        await assert.rejects(
          accept(storage, 'z1', 10, true),
          (error) => isHelplineError(error) && error.code === 'agent/capacity',
        );
        assert.equal(await storage.lastSeq('z1'), 0, 'no event stored');
        // Room by the chats alone: an agent whose calls do not block chats takes it.
        await accept(storage, 'z1', 10);
        // The call over (closed), a chat is taken again.
        const call = await storage.getInteraction('v1');
        assert.ok(call);
        await storage.putInteraction({ ...call, open: false });
        await accept(storage, 'z2', 10, true);
      });
    });
  }
});
