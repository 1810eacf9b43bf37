// Test support (Node only, never exported from the package): "tabs" in one process, each with its own view of a
// shared lock manager and message bus that behave like Web Locks and BroadcastChannel (a FIFO lock queue released
// when the holder's page dies; asynchronous, structured-cloned messages to every other channel of the same name).
// `crash(tab)` kills a tab's locks and channel at once, as closing a tab does.
import type { ChannelLike, LockManagerLike } from './leader.transport';

interface LockRequest {
  readonly owner: string;
  readonly callback: (lock: unknown) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Web Locks for several tabs: a FIFO queue per lock name; a crashed tab's locks are released. */
export function createFakeLocks() {
  const held = new Map<string, LockRequest>();
  const queues = new Map<string, LockRequest[]>();
  const dead = new Set<string>();

  function grant(name: string): void {
    if (held.has(name)) return;
    const next = queues.get(name)?.shift();
    if (!next) return;
    held.set(name, next);
    const release = () => {
      if (held.get(name) !== next) return;
      held.delete(name);
      queueMicrotask(() => grant(name));
    };
    Promise.resolve()
      .then(() => next.callback({ name }))
      .then(
        (value) => {
          release();
          next.resolve(value);
        },
        (error: unknown) => {
          release();
          next.reject(error);
        },
      );
  }

  return {
    holder: (name: string) => held.get(name)?.owner,
    forOwner(owner: string): LockManagerLike {
      return {
        request(name, options, callback) {
          if (dead.has(owner)) return Promise.reject(new Error('InvalidStateError: the document is gone'));
          return new Promise((resolve, reject) => {
            const request: LockRequest = { owner, callback, resolve, reject };
            if (options.signal?.aborted) return reject(new Error('AbortError'));
            options.signal?.addEventListener('abort', () => {
              const queue = queues.get(name) ?? [];
              const index = queue.indexOf(request);
              if (index < 0) return;
              queue.splice(index, 1);
              reject(new Error('AbortError'));
            });
            queues.set(name, [...(queues.get(name) ?? []), request]);
            grant(name);
          });
        },
      };
    },
    crash(owner: string): void {
      dead.add(owner);
      for (const [name, queue] of queues)
        queues.set(
          name,
          queue.filter((r) => r.owner !== owner),
        );
      for (const [name, request] of [...held]) {
        if (request.owner !== owner) continue;
        held.delete(name);
        grant(name);
      }
    },
  };
}

/** BroadcastChannel for several tabs: asynchronous, structured-cloned messages to every other member. */
export function createFakeBus() {
  interface Member {
    readonly owner: string;
    readonly name: string;
    channel?: ChannelLike;
    closed: boolean;
  }
  const members = new Set<Member>();
  let delivered = 0;
  return {
    get delivered() {
      return delivered;
    },
    forOwner(owner: string): (name: string) => ChannelLike {
      return (name) => {
        const member: Member = { owner, name, closed: false };
        const channel: ChannelLike = {
          onmessage: null,
          postMessage(message) {
            if (member.closed) throw new Error('InvalidStateError: channel closed');
            const data = structuredClone(message);
            for (const other of members) {
              if (other === member || other.name !== name) continue;
              setTimeout(() => {
                if (other.closed) return;
                delivered++;
                other.channel?.onmessage?.({ data });
              }, 0);
            }
          },
          close() {
            member.closed = true;
            members.delete(member);
          },
        };
        member.channel = channel;
        members.add(member);
        return channel;
      };
    },
    crash(owner: string): void {
      for (const member of [...members]) {
        if (member.owner !== owner) continue;
        member.closed = true;
        members.delete(member);
      }
    },
  };
}
