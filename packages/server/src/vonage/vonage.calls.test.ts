// The Vonage gateway's call store: the memory and SQL stores keep the same thing (a copy, never the caller's
// objects), and in cluster mode a write made under a lease another instance has won since is refused, so a frozen
// old leader cannot put an older state of a call over the next leader's.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migrate } from '../storage/migrations';
import { openPgliteThread } from '../storage/pglite.thread';
import type { SqlClient } from '../storage/sql.client';
import { freshPgliteDir } from '../testing/databases';
import {
  createMemoryVonageCallStore,
  createSqlVonageCallStore,
  type StoredVonageCall,
  type VonageCallStore,
} from './vonage.calls';

const talking: StoredVonageCall = {
  kind: 'phone',
  conversation: 'hl-pstn-1',
  cid: 'c1',
  customerUuid: 'pstn-1',
  customerLeg: 'pstn-1',
  ourNumber: '+14155550100',
  language: 'en-US',
  callerNumber: '+447700900001',
  subject: { id: 'tel_1', role: 'visitor', name: 'Caller …0001' },
  agentId: 'alice',
  agentLeg: 'leg-1',
  agentAnswered: true,
  customerAnswered: false,
  hubCallId: 'call-1',
  streaming: false,
  ended: false,
  recording: 'on',
  capture: { state: 'recording', segment: 'call-1.vonage-1' },
  segments: 1,
  pendingSegments: {
    'call-1.vonage-1': {
      cid: 'c1',
      callId: 'call-1',
      segment: 'vonage-1',
      customerId: 'tel_1',
      agentIds: ['alice'],
      at: 5,
    },
  },
  legStatus: { 'pstn-1': 'answered', 'leg-1': 'answered' },
};

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.splice(0)) await close();
});

async function pglite(): Promise<SqlClient> {
  const client = await openPgliteThread(await freshPgliteDir());
  closing.push(() => client.close());
  await migrate(client);
  return client;
}

function contract(name: string, open: () => Promise<VonageCallStore>): void {
  describe(name, () => {
    it('keeps each call by its conversation: saved again, replaced; removed, gone', async () => {
      const store = await open();
      assert.deepEqual(await store.all(), []);
      await store.save(talking);
      await store.save({ ...talking, conversation: 'hl-pstn-2', cid: 'c2', legStatus: {} });
      await store.save({ ...talking, agentAnswered: false });
      const all = await store.all();
      assert.deepEqual(all.map((call) => [call.conversation, call.agentAnswered]).sort(), [
        ['hl-pstn-1', false],
        ['hl-pstn-2', true],
      ]);
      await store.remove('hl-pstn-1');
      assert.deepEqual(
        (await store.all()).map((call) => call.conversation),
        ['hl-pstn-2'],
      );
      await store.remove('hl-pstn-unknown');
    });

    it('gives back what was stored, field for field, as a copy', async () => {
      const store = await open();
      const mine = structuredClone(talking);
      await store.save(mine);
      (mine.legStatus as Record<string, string>)['pstn-1'] = 'completed';
      assert.deepEqual(await store.all(), [talking]);
    });
  });
}

contract('the Vonage call store in memory', async () => createMemoryVonageCallStore());
contract('the Vonage call store on SQL (PGlite)', async () => createSqlVonageCallStore(await pglite()));

describe('the Vonage call store in cluster mode', () => {
  it('writes under the lease it holds, and refuses every write once another instance won it', async () => {
    const client = await pglite();
    // The real check (helpline_fence, migration 11) on a real lease row.
    await client.query("INSERT INTO helpline_leases (name, epoch) VALUES ('engine-test', 1)");
    const refusedUnder: (number | undefined)[] = [];
    let held: number | undefined = 1;
    const store = createSqlVonageCallStore(client, {
      fence: {
        lease: 'engine-test',
        epoch: () => held,
        refused(epoch, detail) {
          refusedUnder.push(epoch);
          return new Error(`stale epoch: ${detail}`);
        },
      },
    });
    await store.save(talking);
    await client.query("UPDATE helpline_leases SET epoch = 2 WHERE name = 'engine-test'");
    await assert.rejects(store.save({ ...talking, ended: true }), /stale epoch: .*HL409/);
    await assert.rejects(store.remove(talking.conversation), /stale epoch/);
    held = undefined;
    await assert.rejects(store.save(talking), /stale epoch: this instance holds no lease/);
    assert.deepEqual(refusedUnder, [1, 1, undefined]);
    assert.deepEqual(await store.all(), [talking], 'the row as the last write under the lease left it');
  });
});
