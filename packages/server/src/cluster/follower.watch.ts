// How the leader learns that a follower died without a goodbye (kill -9, a lost machine): while a follower relays
// sockets to the leader it says so every few seconds (`relay.alive`), and a leader that hears nothing from it for a
// few of those lets its sockets go at once — the agents on them are no longer "online" for offers and calls, their
// presence starts its grace period — instead of waiting for each socket's heartbeat to run out (two heartbeats,
// 30 s by default).
import type { EngineBus } from './engine.topics';
import type { RelayTarget } from './relay.follower';

/** How often a follower relaying sockets says it is alive, by default. */
export const DEFAULT_ALIVE_EVERY_MS = 2_000;

/**
 * Rounds of `everyMs` without a word from a follower before the leader takes it for dead. Counted in rounds, not in
 * wall time: after the leader itself stalled (a long pause of its event loop), the messages waiting in its listener
 * must not count as missed.
 */
export const SILENT_ROUNDS = 3;

/** What {@link watchFollowers} needs. */
export interface FollowerWatchOptions {
  readonly bus: EngineBus;
  /** The leader's term: words of another term do not count. */
  readonly epoch: number;
  readonly everyMs?: number | undefined;
  /** A follower that said it was alive has been silent for {@link SILENT_ROUNDS} rounds. */
  readonly onSilent: (instance: string) => void;
}

/**
 * The leader's side: counts the rounds each follower that said it is alive has been silent (any relay message of
 * this term counts as a word), and calls `onSilent` once a follower has been silent for {@link SILENT_ROUNDS}. A
 * follower that never said it is alive (a version without `relay.alive`, during a rolling upgrade) is never taken for
 * dead. Returns a function that stops watching.
 *
 * @example
 * ```ts
 * const stop = watchFollowers({ bus, epoch: term, onSilent: (instance) => relayServer.forget(instance) });
 * ```
 */
export function watchFollowers(options: FollowerWatchOptions): () => void {
  const { bus, epoch } = options;
  const silent = new Map<string, number>();
  const unsubscribe = bus.subscribe((message) => {
    if (!message.kind.startsWith('relay.')) return;
    if ((message.payload as { readonly epoch?: unknown }).epoch !== epoch) return;
    if (message.kind === 'relay.alive' || silent.has(message.origin)) silent.set(message.origin, 0);
  });
  const timer = setInterval(() => {
    // A listener that is down hears nobody (and its reconnect ends every relayed socket anyway).
    if (!bus.connected) return;
    for (const [instance, rounds] of [...silent]) {
      if (rounds + 1 < SILENT_ROUNDS) {
        silent.set(instance, rounds + 1);
        continue;
      }
      silent.delete(instance);
      options.onSilent(instance);
    }
  }, options.everyMs ?? DEFAULT_ALIVE_EVERY_MS);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

/**
 * The follower's side: tells the leader `target()` names (undefined while there is none, or no socket is relayed to
 * it) that this instance is alive — every `everyMs`, and within a quarter of that once it starts relaying to a new
 * leader, so that a follower that dies soon after is known too. Returns a function that stops.
 */
export function sayAlive(
  bus: EngineBus,
  target: () => RelayTarget | undefined,
  everyMs = DEFAULT_ALIVE_EVERY_MS,
): () => void {
  let told: { readonly instanceId: string; readonly epoch: number; readonly at: number } | undefined;
  const timer = setInterval(
    () => {
      const to = target();
      if (!to) return;
      const now = Date.now();
      if (told?.instanceId === to.instanceId && told.epoch === to.epoch && now - told.at < everyMs) return;
      told = { instanceId: to.instanceId, epoch: to.epoch, at: now };
      bus.publish('relay.alive', { epoch: to.epoch }, { instances: [to.instanceId] });
    },
    Math.max(1, everyMs / 4),
  );
  timer.unref?.();
  return () => clearInterval(timer);
}
