// Where a connection keeps what must outlive the page or process: its client
// id, the request id counter, the commands not yet answered (the encoded
// ClientMessages, oldest first) and the replica with its epoch. A reloaded
// page that restores them shows the room at once, resumes from (epoch, seq)
// and resends each command with its original request id under the same
// client id, so the server applies it exactly once. The SDK keeps this in
// memory by default (Node has no IndexedDB); the web app supplies a store
// backed by IndexedDB.

// The commands and ids. Saved whenever the pending commands change.
export interface SavedCommands {
  clientId: string;
  nextRequestId: bigint; // every id this client id used is below it
  pending: Uint8Array[]; // encoded ClientMessages, in the order issued
}

// The room as last seen. Saved when the connection drops (no event arrives
// while offline) and by saveNow(), not on every event: a room's state can be
// large.
export interface SavedReplica {
  epoch: string;
  state: Uint8Array; // the encoded RoomState at its seq
}

export interface SessionStore {
  loadCommands(roomId: string): Promise<SavedCommands | undefined>;
  saveCommands(roomId: string, commands: SavedCommands): Promise<void>;
  loadReplica(roomId: string): Promise<SavedReplica | undefined>;
  saveReplica(roomId: string, replica: SavedReplica): Promise<void>;
}

// Kept in this process only: a new client object given the same store
// takes over what an earlier one left unsent.
export class MemorySessionStore implements SessionStore {
  private readonly commands = new Map<string, SavedCommands>();
  private readonly replicas = new Map<string, SavedReplica>();

  loadCommands(roomId: string): Promise<SavedCommands | undefined> {
    const saved = this.commands.get(roomId);
    return Promise.resolve(saved && { ...saved, pending: saved.pending.map((b) => b.slice()) });
  }
  saveCommands(roomId: string, commands: SavedCommands): Promise<void> {
    this.commands.set(roomId, { ...commands, pending: commands.pending.map((b) => b.slice()) });
    return Promise.resolve();
  }
  loadReplica(roomId: string): Promise<SavedReplica | undefined> {
    return Promise.resolve(this.replicas.get(roomId));
  }
  saveReplica(roomId: string, replica: SavedReplica): Promise<void> {
    this.replicas.set(roomId, replica);
    return Promise.resolve();
  }
}
