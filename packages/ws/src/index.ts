// Public API of @restbatch/ws.
export { type AttachWebSocketOptions, attachWebSocket, type WebSocketTransport } from './attach-websocket.js';
export { CLOSE_GOING_AWAY, CLOSE_MESSAGE_RATE, CLOSE_NOT_READING } from './close-codes.js';
export { type CreateWebSocketServerOptions, createWebSocketServer, type StandaloneWebSocketServer } from './create-websocket-server.js';
export type {
  ClientMessage,
  CorrelationId,
  ErrorMessage,
  ResponseMessage,
  ResultMessage,
  ResultsMessage,
  ServerMessage,
} from './protocol.js';
export type { AllowedOrigins } from './upgrade-check.js';
export type { WebSocketTransportOptions } from './ws-options.js';
