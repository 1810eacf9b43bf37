export {
  type ChannelLike,
  createLeaderTransport,
  type LeaderTransport,
  type LeaderTransportOptions,
  type LockManagerLike,
  leadershipOf,
} from './leader.transport';
export type { LinkCloseInfo, LinkHandlers, Transport, TransportLink } from './transport.types';
export {
  createWebSocketTransport,
  endpointUrl,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './websocket.transport';
