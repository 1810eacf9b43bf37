// Cluster mode's ports and their in-process implementations (docs/cluster.md). Servers only: not part of the
// browser entry.
export {
  CLUSTER_ERROR_MESSAGES,
  type ClusterErrorCode,
  clusterFailure,
} from '../protocol/errors.cluster';
export { type AlwaysHeldLeaseOptions, createAlwaysHeldLease } from './always-held.lease';
export type {
  ClusterAddressees,
  ClusterBus,
  ClusterKind,
  ClusterLease,
  ClusterMessage,
  ClusterTopics,
  ReportClusterFailure,
  Unsubscribe,
} from './cluster.types';
export {
  callEach,
  createLocalBus,
  isAddressedTo,
  type LocalBusOptions,
  reportToConsole,
} from './local.bus';
