import type { Channel } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import { authorize, type InteractionOp, type Relation, relationOf, roleMayRun } from './access';
import type { HubClock, HubStorage, Subject } from './hub.types';
import type { Lifecycle } from './lifecycles';
import { type Live, phaseOfLive } from './live';

/** What the live interactions need from the hub. */
export interface LiveInteractionsDeps {
  readonly clock: HubClock;
  /** Where a finished interaction is read back from (history, CSAT, transcripts). */
  readonly storage: Pick<HubStorage, 'getInteraction'>;
  readonly lifecycles: Readonly<Partial<Record<Channel, Lifecycle>>>;
  /** The queues each agent serves. */
  readonly queuesOf: (agentId: string) => ReadonlySet<string> | undefined;
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** True while a task of the conversation runs or waits. */
  readonly busy: (cid: string) => boolean;
  /** How long a finished interaction stays in memory after it was last used, ms. */
  readonly finishedRetentionMs: number;
}

/** The interactions a hub holds in memory, and the one way commands reach them: through the access rules. */
export interface LiveInteractions {
  /** The interaction, if it is in memory. */
  get(cid: string): Live | undefined;
  has(cid: string): boolean;
  /** Every interaction in memory. */
  values(): IterableIterator<Live>;
  /**
   * The interactions in memory of one customer (by `interaction.customer.id`), without a scan of all: asked on every
   * visitor's connect and disconnect.
   */
  ofCustomer(customerId: string): Live[];
  /** Keeps an interaction in memory (the conversation log, after a commit; a restore). */
  remember(current: Live): void;
  /** The interaction, from memory or read back from storage. */
  load(cid: string): Promise<Live | undefined>;
  /** Who `subject` is to the interaction (see `access.ts`). */
  relationTo(subject: Subject, current: Live): Relation;
  /**
   * The interaction `op` acts on, once the access rules allow `subject` to run it there; `not-found` to anyone who
   * may not know it exists.
   */
  getLive(subject: Subject, cid: string, op: InteractionOp, operation?: string): Promise<Live>;
  /**
   * Runs `task` in the conversation's turn, the access rules checked again once it is this command's turn (an
   * earlier command may have transferred the interaction meanwhile).
   */
  inTurn<T>(
    subject: Subject,
    cid: string,
    op: InteractionOp,
    operation: string,
    task: (current: Live) => Promise<T>,
  ): Promise<T>;
  /**
   * Keeps a long-running hub's memory flat: finished interactions nobody used for a while leave memory (storage
   * still has them; `load` reads them back).
   */
  sweep(now: number): void;
}

/**
 * Creates the live interactions of a hub.
 *
 * @example
 * ```ts
 * const live = createLiveInteractions({ clock, storage, lifecycles, queuesOf, serialized, busy, finishedRetentionMs });
 * const current = await live.getLive(subject, cid, 'chat.end', 'end this conversation');
 * ```
 */
export function createLiveInteractions(deps: LiveInteractionsDeps): LiveInteractions {
  const { clock } = deps;
  const live = new Map<string, Live>();
  /** The ids in `live` of each customer's interactions, and whom each id is indexed under. */
  const byCustomer = new Map<string, Set<string>>();
  const indexedUnder = new Map<string, string>();

  /**
   * The one way an interaction enters memory, or is kept after a step (the log changes a `Live` in place, so whom it
   * was indexed under is remembered apart): the customer index follows.
   */
  function keep(current: Live): void {
    const cid = current.interaction.id;
    const customerId = current.interaction.customer.id;
    live.set(cid, current);
    if (indexedUnder.get(cid) === customerId) return;
    unindex(cid);
    indexedUnder.set(cid, customerId);
    const own = byCustomer.get(customerId) ?? new Set<string>();
    own.add(cid);
    byCustomer.set(customerId, own);
  }

  function unindex(cid: string): void {
    const customerId = indexedUnder.get(cid);
    if (customerId === undefined) return;
    indexedUnder.delete(cid);
    const own = byCustomer.get(customerId);
    own?.delete(cid);
    if (own?.size === 0) byCustomer.delete(customerId);
  }

  async function load(cid: string): Promise<Live | undefined> {
    let current = live.get(cid);
    if (!current) {
      const stored = await deps.storage.getInteraction(cid);
      const lifecycle = stored ? deps.lifecycles[stored.interaction.channel] : undefined;
      if (stored && lifecycle) {
        current = { interaction: stored.interaction, snapshot: stored.snapshot, lifecycle };
        keep(current);
      }
    }
    if (current) current.usedAt = clock.now();
    return current;
  }

  function relationTo(subject: Subject, current: Live): Relation {
    return relationOf(subject, current.interaction, {
      offered: phaseOfLive(current) === 'offered',
      queuesOf: deps.queuesOf,
    });
  }

  async function getLive(
    subject: Subject,
    cid: string,
    op: InteractionOp,
    operation: string = op,
  ): Promise<Live> {
    // The wrong role is told so before anything is looked up.
    if (!roleMayRun(subject.role, op)) throw helplineError('auth/forbidden', { operation });
    const current = await load(cid);
    if (!current) throw helplineError('not-found', { entity: 'Conversation', id: cid });
    authorize(op, relationTo(subject, current), cid, operation);
    return current;
  }

  async function inTurn<T>(
    subject: Subject,
    cid: string,
    op: InteractionOp,
    operation: string,
    task: (current: Live) => Promise<T>,
  ): Promise<T> {
    const current = await getLive(subject, cid, op, operation);
    return deps.serialized(cid, () => {
      authorize(op, relationTo(subject, current), cid, operation);
      return task(current);
    });
  }

  function sweep(now: number): void {
    for (const [cid, current] of live) {
      const finished = current.lifecycle.final.has(current.snapshot.value);
      const usedAt = current.usedAt ?? current.interaction.timestamps.endedAt ?? now;
      if (finished && now - usedAt >= deps.finishedRetentionMs && !deps.busy(cid)) {
        live.delete(cid);
        unindex(cid);
      }
    }
  }

  return {
    get: (cid) => live.get(cid),
    has: (cid) => live.has(cid),
    values: () => live.values(),
    ofCustomer(customerId) {
      const own: Live[] = [];
      for (const cid of byCustomer.get(customerId) ?? []) {
        const current = live.get(cid);
        if (current?.interaction.customer.id === customerId) own.push(current);
      }
      return own;
    },
    remember: keep,
    load,
    relationTo,
    getLive,
    inTurn,
    sweep,
  };
}
