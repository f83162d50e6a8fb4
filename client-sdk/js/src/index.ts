// @maptable/client: the TypeScript SDK of maptable (browsers and Node 20+).
export { MaptableClient, randomId } from "./client.js";
export {
  MaptableConnection,
  urlWithRoom,
  type ClientEvents,
  type ClientOptions,
  type CommandBody,
  type ConnectionState,
} from "./connection.js";
export {
  MaptableError,
  type ChatPage,
  type CloseInfo,
  type CommandResult,
  type Failure,
  type StateAtResult,
} from "./results.js";
export { RoomReplica } from "./replica/replica.js";
export { applyChatChange } from "./replica/chat.js";
export { RECENT_CHAT_LIMIT, type RoomData } from "./replica/room_data.js";
export { remainingMs, viewportOf } from "./views.js";
export { reconnectDelayMs } from "./backoff.js";
export {
  CLOSE_ROOM_MOVED,
  ConnectionMachine,
  isFinalClose,
  type LinkAction,
  type LinkEvent,
  type LinkPolicy,
  type LinkState,
} from "./link.js";
export { MAX_MESSAGE_BYTES, wsPackageFactory, type WebSocketFactory, type WebSocketLike } from "./transport.js";
export { MemorySessionStore, type SavedCommands, type SavedReplica, type SessionStore } from "./session_store.js";
export * from "./proto.js";
