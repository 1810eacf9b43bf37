import { clusterFailure } from '../protocol/errors.cluster';
import type { ClusterLease, ReportClusterFailure, Unsubscribe } from './cluster.types';
import { callEach, reportToConsole } from './local.bus';

/** Options of {@link createAlwaysHeldLease}. */
export interface AlwaysHeldLeaseOptions {
  /** The lease's name. Default `router`. */
  readonly name?: string;
  /** Where a handler that threw is reported. Default: the console. */
  readonly reportFailure?: ReportClusterFailure;
}

/**
 * The lease of a deployment of one process — the embedded default and tests: nobody else contends, so the first
 * `acquire` wins it with epoch 1 and it stays held until `close`. `fence` checks nothing but that: the same calls
 * as in a cluster, so the code that leads is the same.
 *
 * @example
 * ```ts
 * const lease = createAlwaysHeldLease();
 * lease.onWon((epoch) => console.log('leading, epoch', epoch)); // 1
 * await lease.acquire(); // true
 * ```
 */
export function createAlwaysHeldLease(options: AlwaysHeldLeaseOptions = {}): ClusterLease<unknown> {
  const name = options.name ?? 'router';
  const report = options.reportFailure ?? reportToConsole;
  const won = new Set<(epoch: number) => void>();
  let state: 'idle' | 'held' | 'closed' = 'idle';

  return {
    name,
    get held() {
      return state === 'held';
    },
    get epoch() {
      return state === 'held' ? 1 : undefined;
    },
    async acquire() {
      if (state !== 'idle') return state === 'held';
      state = 'held';
      callEach(won, 1, `lease ${name} won handler`, report);
      return true;
    },
    onWon(handler) {
      won.add(handler);
      return () => won.delete(handler);
    },
    // Never lost: nobody else can win it.
    onLost(): Unsubscribe {
      return () => {};
    },
    async fence() {
      if (state !== 'held') {
        throw clusterFailure('cluster/stale-epoch', {
          lease: name,
          detail: state === 'idle' ? 'not acquired' : 'closed',
        });
      }
    },
    async close() {
      state = 'closed';
      won.clear();
    },
  };
}
