// Where the Vonage gateway keeps its calls so that they outlive the process: a call's legs live on Vonage's side,
// so a new leader (or the same server restarted) that knows them carries the call on — the agent's hang-up, hold,
// recording and the caller's keypad survey still reach the right legs. One port, two implementations: in memory
// (the gateway's own tests, a hub without a database) and SQL (PGlite or PostgreSQL, migration 31).
import type { SurveyPolicy } from '@helpline/core';
import type { Subject } from '@helpline/core/hub';
import type { SqlClient } from '../storage/sql.client';
import { fenceStatement, type StorageFence, underFence } from '../storage/storage.fence';
import type { VonageNumber } from './vonage.config';
import type { Ncco } from './vonage.ncco';

/** A call recording segment Vonage made whose audio is not in the recordings store yet (its webhook is awaited). */
export interface PendingSegment {
  readonly cid: string;
  readonly callId: string;
  readonly segment: string;
  readonly customerId: string;
  readonly agentIds: readonly string[];
  readonly at: number;
}

/** The phone leg of a consult to an outside number on a call: the hub's consult leg `legId`, on Vonage. */
export interface ConsultPhoneLeg {
  /** The hub's consult leg (`WireConsultLeg.legId`). */
  readonly legId: string;
  /** The number the leg is called from. */
  readonly callerId: string;
  /** Vonage's id of the leg, once placed. */
  readonly uuid?: string | undefined;
  /** The leg's last status handled (a status Vonage reports again, or one caught up after a takeover, is no news). */
  readonly status?: string | undefined;
}

/** What the gateway knows of one call, as stored: everything but its connection, timers and work queue. */
export interface StoredVonageCall {
  readonly kind: 'phone' | 'web' | 'callback' | 'outbound';
  /** The call's Vonage conversation name: unique per call, the row's key. */
  readonly conversation: string;
  readonly cid?: string | undefined;
  readonly customerUuid?: string | undefined;
  readonly customerLeg?: string | undefined;
  readonly ourNumber: string;
  readonly language: string;
  readonly callerNumber?: string | undefined;
  readonly subject?: Subject | undefined;
  readonly survey?:
    | {
        readonly policy: SurveyPolicy;
        readonly score?: 1 | 2 | 3 | 4 | 5;
        readonly recorded: boolean;
        readonly finished?: boolean;
      }
    | undefined;
  readonly ncco?: Ncco | undefined;
  readonly menu?: NonNullable<VonageNumber['menu']> | undefined;
  readonly menuNcco?: Ncco | undefined;
  readonly agentId?: string | undefined;
  readonly agentLeg?: string | undefined;
  readonly agentAnswered: boolean;
  readonly customerAnswered: boolean;
  readonly hubCallId?: string | undefined;
  readonly streaming: boolean;
  readonly ended: boolean;
  readonly releasedAt?: number | undefined;
  readonly announced?: number | undefined;
  readonly announcedAt?: number | undefined;
  readonly recording: 'off' | 'on' | 'paused';
  readonly capture: { readonly state: 'idle' } | { readonly state: 'recording'; readonly segment: string };
  readonly segments: number;
  /**
   * Its recording segments still to fetch, by webhook key: the row stays until each is stored, so a recording webhook
   * that reaches the next leader is still kept.
   */
  readonly pendingSegments: Readonly<Record<string, PendingSegment>>;
  /** The last status handled of each leg (by uuid): a status Vonage reports again after a takeover is no news. */
  readonly legStatus: Readonly<Record<string, string>>;
  /** The phone leg of the agent's consult to an outside number, while it lasts (through a conference too). */
  readonly consult?: ConsultPhoneLeg | undefined;
}

/** The gateway's storage port for its calls. */
export interface VonageCallStore {
  /** Stores `call` (replacing what was stored under its conversation). */
  save(call: StoredVonageCall): Promise<void>;
  /** Forgets the call of `conversation`. */
  remove(conversation: string): Promise<void>;
  /** Every stored call, oldest first. */
  all(): Promise<StoredVonageCall[]>;
}

/** A {@link VonageCallStore} in memory: for tests, and for a gateway without a database. */
export function createMemoryVonageCallStore(): VonageCallStore {
  const calls = new Map<string, string>();
  return {
    async save(call) {
      // Stored as text, as the database would: what comes back shares nothing with the gateway's objects.
      calls.delete(call.conversation);
      calls.set(call.conversation, JSON.stringify(call));
    },
    async remove(conversation) {
      calls.delete(conversation);
    },
    async all() {
      return [...calls.values()].map((text) => JSON.parse(text) as StoredVonageCall);
    },
  };
}

/**
 * A {@link VonageCallStore} on the server's database (`vonage_calls`, migration 31). In cluster mode its writes are
 * fenced by the engine's lease, as the hub's are: an instance that lost the lease (frozen, cut off) cannot write an
 * older state of a call over the next leader's.
 */
export function createSqlVonageCallStore(
  db: SqlClient,
  options: { readonly fence?: StorageFence | undefined; readonly now?: () => number } = {},
): VonageCallStore {
  const { fence } = options;
  const now = options.now ?? Date.now;
  const write = async (text: string, params: readonly unknown[]): Promise<void> => {
    if (!fence) {
      await db.query(text, params);
      return;
    }
    await underFence(fence, (epoch) =>
      db.transaction((tx) => tx.query(text, params), { prelude: fenceStatement(fence.lease, epoch) }),
    );
  };
  return {
    async save(call) {
      await write(
        `INSERT INTO vonage_calls (conversation, cid, record, updated_at) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (conversation) DO UPDATE SET cid = $2, record = $3::jsonb, updated_at = $4`,
        [call.conversation, call.cid ?? null, JSON.stringify(call), now()],
      );
    },
    async remove(conversation) {
      await write('DELETE FROM vonage_calls WHERE conversation = $1', [conversation]);
    },
    async all() {
      const rows = await db.query<{ record: StoredVonageCall | string }>(
        'SELECT record FROM vonage_calls ORDER BY updated_at, conversation',
      );
      return rows.map(({ record }) =>
        typeof record === 'string' ? (JSON.parse(record) as StoredVonageCall) : record,
      );
    },
  };
}
