import { atom, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import type { SupervisionMode } from '../supervision/supervision.machine';
import type {
  SupervisionAuditEntry,
  SupervisionLeg,
  SupervisionNote,
} from '../supervision/supervision.types';
import { createInteractionStore, type InteractionStore } from './conversations.store';
import type { ConversationView } from './interactions.fold';

/** Notes an agent keeps per interaction, at most. */
const NOTES_KEPT = 50;

/**
 * The supervision side of a staff session: a supervisor's own legs and their actions, or the legs an agent is told of
 * (or whose audio their browser carries) and the private notes supervisors sent them.
 *
 * @example
 * ```ts
 * await supervisor.supervision.start(cid, 'monitoring');
 * await supervisor.supervision.setMode(cid, 'whispering');
 * await supervisor.supervision.note(cid, 'Offer the refund');
 * ```
 */
export interface SupervisionClient {
  /** Live legs by id: a supervisor's own, or those an agent's session knows of. Ended legs leave the map. */
  readonly $legs: ReadableAtom<Readonly<Record<string, SupervisionLeg>>>;
  /** Private notes received, by interaction id, oldest first (agents). */
  readonly $notes: ReadableAtom<Readonly<Record<string, readonly SupervisionNote[]>>>;
  /**
   * The chats this supervisor monitors, by interaction id: their history (read at the start through the
   * supervisor's read access) then their live events, read-only. A chat leaves the map when its leg ends. Empty for
   * an agent's session.
   */
  readonly $transcripts: ReadableAtom<Readonly<Record<string, ConversationView>>>;
  /** Joins a live call (any mode) or chat (`monitoring`). Supervisors only: others get `auth/forbidden`. */
  start(cid: string, mode: SupervisionMode): Promise<SupervisionLeg>;
  /** Switches this supervisor's leg on the interaction to another mode. */
  setMode(cid: string, mode: SupervisionMode): Promise<SupervisionLeg>;
  /** Leaves the interaction. */
  stop(cid: string): Promise<SupervisionLeg>;
  /** Sends the interaction's agent a private note (never seen by the customer). */
  note(cid: string, text: string): Promise<SupervisionNote>;
  /** The audit log, newest first (supervisors). */
  audit(query?: {
    readonly cid?: string;
    readonly limit?: number;
  }): Promise<readonly SupervisionAuditEntry[]>;
  /** Loads the live legs from the server (after a reload). */
  refresh(): Promise<void>;
  /** Listens to each leg change (the agent's mixer and the supervisor's media follow it). */
  onLeg(listener: (leg: SupervisionLeg) => void): () => void;
  /** Stops listening to the connection. */
  dispose(): void;
}

/**
 * Creates the supervision part of a staff session over its connection.
 *
 * @example
 * ```ts
 * const supervision = createSupervisionClient(session.connection);
 * supervision.$legs.subscribe((legs) => render(Object.values(legs)));
 * ```
 */
export function createSupervisionClient(
  connection: Connection,
  options: {
    /** Read the chats this session monitors into `$transcripts` (a supervisor's session). Default `false`. */
    readonly transcripts?: boolean;
  } = {},
): SupervisionClient {
  const $legs = atom<Readonly<Record<string, SupervisionLeg>>>({});
  const $notes = atom<Readonly<Record<string, readonly SupervisionNote[]>>>({});
  const $transcripts = atom<Readonly<Record<string, ConversationView>>>({});
  const listeners = new Set<(leg: SupervisionLeg) => void>();
  /** One read-only store per monitored chat, from its leg's start to its end: a new leg reads the history again. */
  const watched = new Map<string, { readonly store: InteractionStore; readonly stop: () => void }>();

  /** The one writer of `$transcripts`: a monitored chat's view, or its removal. */
  function show(cid: string, view: ConversationView | undefined): void {
    const { [cid]: _old, ...others } = $transcripts.get();
    $transcripts.set(view ? { ...others, [cid]: view } : others);
  }

  function unwatch(cid: string): void {
    const entry = watched.get(cid);
    if (!entry) return;
    watched.delete(cid);
    entry.stop();
    entry.store.dispose();
    show(cid, undefined);
  }

  /** Reads a chat this supervisor started monitoring: its history, then the events the hub fans out to it. */
  function watch(leg: SupervisionLeg): void {
    const { cid } = leg;
    if (!options.transcripts || leg.target !== 'chat' || watched.has(cid)) return;
    const store = createInteractionStore({ connection });
    const stop = store.$records.listen((records) => {
      const view = records[cid]?.conversation;
      if (view && watched.get(cid)?.store === store) show(cid, view);
    });
    watched.set(cid, { store, stop });
    store.load(cid).catch(() => undefined);
  }

  function apply(leg: SupervisionLeg): SupervisionLeg {
    const { [leg.legId]: _old, ...others } = $legs.get();
    $legs.set(leg.state === 'ended' ? others : { ...others, [leg.legId]: leg });
    // A leg replaced by a new one on the same chat ends after it: the chat stays monitored.
    const live = Object.values($legs.get()).some((other) => other.cid === leg.cid);
    if (leg.state === 'ended' && !live) unwatch(leg.cid);
    for (const listener of [...listeners]) listener(leg);
    return leg;
  }

  const unsubscribe = connection.onNotice((notice) => {
    if (notice.type === 'supervision') apply(notice.leg);
    else if (notice.type === 'supervision.note') {
      const { note } = notice;
      const notes = $notes.get();
      const kept = [...(notes[note.cid] ?? []), note].slice(-NOTES_KEPT);
      $notes.set({ ...notes, [note.cid]: kept });
    }
  });

  return {
    $legs,
    $notes,
    $transcripts,
    async start(cid, mode) {
      const leg = apply((await connection.command('supervision.start', { cid, mode })).leg);
      watch(leg);
      return leg;
    },
    async setMode(cid, mode) {
      return apply((await connection.command('supervision.mode', { cid, mode })).leg);
    },
    async stop(cid) {
      return apply((await connection.command('supervision.stop', { cid })).leg);
    },
    async note(cid, text) {
      return (await connection.command('supervision.note', { cid, text })).note;
    },
    async audit(query = {}) {
      return (await connection.command('supervision.audit', query)).entries;
    },
    async refresh() {
      const { legs } = await connection.command('supervision.list', {});
      $legs.set(Object.fromEntries(legs.map((leg) => [leg.legId, leg])));
      for (const leg of legs) for (const listener of [...listeners]) listener(leg);
      // After a reload: the chats still monitored are read again, those no longer monitored are dropped.
      for (const cid of [...watched.keys()]) if (!legs.some((leg) => leg.cid === cid)) unwatch(cid);
      for (const leg of legs) watch(leg);
    },
    onLeg(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      for (const cid of [...watched.keys()]) unwatch(cid);
      unsubscribe();
      listeners.clear();
    },
  };
}
