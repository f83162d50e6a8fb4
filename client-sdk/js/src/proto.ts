// The protocol's message types and schemas, generated from
// protocol/maptable/v1/*.proto by `npm run generate` (src/gen/ is not
// committed). Enum values drop their prefix: ErrorCode.PERMISSION_DENIED.
export * from "./gen/maptable/v1/map_pb.js";
export * from "./gen/maptable/v1/chat_pb.js";
export * from "./gen/maptable/v1/comments_pb.js";
export * from "./gen/maptable/v1/presence_pb.js";
export * from "./gen/maptable/v1/workshop_pb.js";
export * from "./gen/maptable/v1/room_pb.js";
export * from "./gen/maptable/v1/envelope_pb.js";
export * from "./gen/maptable/v1/network_pb.js";
export * from "./gen/maptable/v1/layers_pb.js";
export * from "./gen/maptable/v1/breakouts_pb.js";
export * from "./gen/maptable/v1/field_pb.js";
