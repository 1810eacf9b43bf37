export type { LinkCloseInfo, LinkHandlers, Transport, TransportLink } from './transport.types';
export {
  createWebSocketTransport,
  endpointUrl,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './websocket.transport';
