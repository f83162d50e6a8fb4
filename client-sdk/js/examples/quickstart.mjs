// Joins a room, marks a place, and prints the room's features and chat as they change.
// Run: node quickstart.mjs ws://127.0.0.1:8080/v1/ws <room> <join token>
import WebSocket from "ws";
import { MaptableClient, FeatureKind, randomId, wsPackageFactory } from "@maptable/client";

const [url, roomId, token] = process.argv.slice(2);
const client = new MaptableClient({ url, roomId, token, webSocket: wsPackageFactory(WebSocket) });
client.onEvent((event) => {
  if (event.body.case === "chatPosted") console.log(`chat ${event.actorName}: ${event.body.value.message?.text}`);
  else console.log(`map: ${client.replica.state.features.size} features at seq ${client.seq}`);
});
const welcome = await client.connect();
console.log(`joined ${roomId} as ${welcome.you?.name} at seq ${client.seq}`);
const added = await client.addFeature({
  id: randomId(),
  title: "Water point",
  geometry: { kind: FeatureKind.POINT, positions: [{ lon: 18.4231, lat: -33.9189 }] },
});
console.log(added.ok ? `added at seq ${added.seq}` : `refused: ${added.message}`);
process.on("SIGTERM", () => { client.disconnect(); console.log("stopping"); });
